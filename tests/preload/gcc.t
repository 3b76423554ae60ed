#!/usr/bin/env bash
# gcc on hako: compiling a small program to assembly, and compiling, linking and running it, give
# glibc's output (the driver, cc1, as and ld all run on hako).
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"
need gcc
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char name[24]; long value; };

static int by_value(const void *a, const void *b) {
    long x = (*(struct node *const *)a)->value, y = (*(struct node *const *)b)->value;
    return (x > y) - (x < y);
}

int main(void) {
    struct node *head = NULL;
    unsigned long x = 1;
    for (int i = 0; i < 10000; i++) {
        struct node *n = malloc(sizeof *n);
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        n->value = (long)(x >> 40);
        snprintf(n->name, sizeof n->name, "node-%d", i);
        n->next = head;
        head = n;
    }
    struct node **all = calloc(10000, sizeof *all);
    int k = 0;
    for (struct node *n = head; n; n = n->next) all[k++] = n;
    qsort(all, k, sizeof *all, by_value);
    for (int i = 0; i < k; i += 1000) printf("%s %ld\n", all[i]->name, all[i]->value);
    for (int i = 0; i < k; i++) free(all[i]);
    free(all);
    return 3;
}
C
same_as_glibc "gcc -O2 -S (a small program)" gcc -O2 -S -o - "$tmp/prog.c"
same_as_glibc -s 3 "gcc builds a program that runs as on glibc" bash -c "gcc -O2 -Wall -o prog '$tmp/prog.c' && ./prog"

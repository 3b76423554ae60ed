#!/usr/bin/env bash
# The library as a drop-in (DESIGN §1): libhako.so exports the C allocator symbols and the hako_*
# API of include/hako.h and nothing else of its own, uses initial-exec TLS only and never dlsym;
# programs linked with libhako.a, or built with `make install` and pkg-config, run on hako's malloc.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
so=build/libhako.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

c_api=(malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc
       malloc_usable_size cfree free_sized free_aligned_sized malloc_trim mallinfo mallinfo2 mallopt
       malloc_stats)
mapfile -t hako_api < <(grep -oE '\bhako_[a-z0-9_]+\(' include/hako.h | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sed 's/@.*//' | sort -u)
missing=$(comm -23 <(printf '%s\n' "${c_api[@]}" "${hako_api[@]}" | sort -u) - <<<"$exported")
check_eq "libhako.so exports every C allocator symbol and every hako_* name of hako.h" "$missing" ""
# C++ operators new/delete (sized, aligned) may be exported too (DESIGN §1).
extra=$(comm -13 <(printf '%s\n' "${c_api[@]}" "${hako_api[@]}" | sort -u) - <<<"$exported" |
        grep -vE '^_Z(nw|na|dl|da)' || true)
check_eq "libhako.so exports nothing else" "$extra" ""

check_match "libhako.so is marked for static TLS" "$(readelf -d "$so" | grep -E '\(FLAGS\)' || true)" "STATIC_TLS"
relocs=$(readelf -rW "$so" | grep -oE 'R_X86_64_(DTPMOD64|DTPOFF64|TLSGD|TLSLD)|__tls_get_addr' | sort -u || true)
check_eq "libhako.so uses initial-exec TLS only (no dynamic TLS relocations)" "$relocs" ""
imports=$(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//' | grep -xE 'dlsym|dlvsym' || true)
check_eq "libhako.so never calls dlsym" "$imports" ""

# runs_on_hako NAME BINARY: the probe binary allocates; its exit dump proves the malloc is hako's.
runs_on_hako() {
  local name=$1 bin=$2 out
  if out=$(HAKO_STATS=1 "$bin" 2>&1 >/dev/null) &&
     jq -e -s 'length == 1 and .[0].counters.malloc >= 1000' <<<"$out" >/dev/null 2>&1; then
    ok "$name"
  else
    not_ok "$name" "stderr: ${out:0:500}"
  fi
}

if out=$(cc -std=gnu11 -O2 -pthread -Iinclude -Itests/lib -o "$tmp/probe-static" tests/alloc/probe.c \
         build/libhako.a 2>&1); then
  runs_on_hako "a program linked with libhako.a runs on hako's malloc" "$tmp/probe-static"
else
  not_ok "a program linked with libhako.a runs on hako's malloc" "$out"
fi

if out=$(make -s install PREFIX="$tmp/prefix" 2>&1) &&
   flags=$(PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig pkg-config --cflags --libs hako 2>&1) &&
   [[ -f $tmp/prefix/include/hako.h ]]; then
  ok "make install PREFIX=DIR installs libhako, hako.h and hako.pc"
  # shellcheck disable=SC2086 # pkg-config's flags are words
  if out=$(cc -std=gnu11 -O2 -Itests/lib -o "$tmp/probe-pc" tests/alloc/probe.c $flags \
           -Wl,-rpath,"$tmp/prefix/lib" 2>&1); then
    runs_on_hako "a program built with pkg-config --cflags --libs hako runs on hako's malloc" "$tmp/probe-pc"
  else
    not_ok "a program built with pkg-config --cflags --libs hako runs on hako's malloc" "$out"
  fi
else
  not_ok "make install PREFIX=DIR installs libhako, hako.h and hako.pc" "${out:0:2000}" "${flags:-}"
fi

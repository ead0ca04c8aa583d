#!/usr/bin/env bash
# Smoke test of the built corpus (run by `make -C corpus check`, after `make`).
# For every <prog>/manifest:
#   - every func is a FUNC symbol (>= 16 bytes) of its module, with no
#     .constprop/.isra/.part/.cold clone next to it; tokens are distinct;
#   - every variant object exists and has .text.<func> for each of its funcs;
#   - the program runs (1 s limit), exits on its own, and prints only tick
#     lines "tick <n> f1=<orig1> f2=<orig2> ..." in manifest order;
#   - the wrong build runs and prints the same tokens, yet every patchable
#     function's bytes differ from the normal build.
# Usage: check.sh [prog...]     (default: all programs with a manifest)
set -u
cd "$(dirname "$0")"
B=build
fail=0
err() { echo "FAIL [$prog] $*"; fail=$((fail + 1)); }

# sym_info FILE NAME -> "vaddr size" of FUNC symbol NAME; NAME may be "x.c:name"
# for a local symbol of translation unit x.c (STT_FILE grouping).
sym_info() {
    local file=$1 name=$2 tu=""
    if [[ $name == *:* ]]; then tu=${name%%:*}; name=${name#*:}; fi
    readelf -sW "$file" | awk -v n="$name" -v tu="$tu" '
        $4 == "FILE" { cur = $8; next }
        $4 == "FUNC" && $8 == n && (tu == "" || (cur == tu && $5 == "LOCAL")) {
            print "0x" $2, $3; found++ }
        END { if (found != 1) exit 1 }' | head -1
}

# func_bytes FILE NAME -> hex bytes of the function
func_bytes() {
    local info v s
    info=$(sym_info "$1" "$2") || return 1
    read -r v s <<<"$info"
    local sec=()
    [[ $1 == *.o ]] && sec=(-j ".text.${2#*:}")   # relocatable: sections overlap at 0
    objdump -d "${sec[@]}" --start-address="$v" --stop-address=$((v + s)) "$1" |
        awk -F'\t' '/^ *[0-9a-f]+:\t/ { printf "%s", $2 } END { print "" }' | tr -d ' '
}

progs=("$@")
if [ ${#progs[@]} -eq 0 ]; then
    for m in */manifest; do progs+=("${m%/manifest}"); done
fi

for prog in "${progs[@]}"; do
    man=$prog/manifest
    pfail=$fail
    [ -f "$man" ] || { err "no manifest"; continue; }
    binary="" module="" threads="" wrong=""
    funcs=() origs=() vlines=()
    while read -r kw a b c d e; do
        case $kw in
            ''|'#'*) ;;
            binary) binary=$a ;;
            module) module=$a ;;
            threads) threads=$a ;;
            func) funcs+=("$a"); origs+=("$b") ;;
            variant) vlines+=("$a $b $c") ;;
            wrongbuild) wrong=$a ;;
            *) err "unknown manifest keyword '$kw'" ;;
        esac
    done < <(sed 's/#.*//' "$man")
    [ -n "$binary" ] && [ -n "$module" ] && [ -n "$threads" ] && [ -n "$wrong" ] || err "manifest incomplete"
    bin=$B/$prog/$binary
    if [ "$module" = main ]; then
        mod=$bin; wmod=$B/$prog/$wrong
    else
        mod=$B/$prog/$module; wmod=$B/$prog/wrongbuild/$module
    fi
    for f in "$bin" "$mod" "$B/$prog/$wrong" "$wmod"; do [ -x "$f" ] || [ -f "$f" ] || err "missing $f"; done

    # symbols
    for i in "${!funcs[@]}"; do
        f=${funcs[$i]}
        info=$(sym_info "$mod" "$f") || { err "no unique FUNC symbol $f in $mod"; continue; }
        read -r _ size <<<"$info"
        [ "$size" -ge 16 ] || err "$f is only $size bytes"
        base=${f#*:}
        if readelf -sW "$mod" | awk '{print $8}' | grep -qE "^$base\.(constprop|isra|part|cold)"; then
            err "$f has a compiler clone"
        fi
        if [ "$prog" = cet ]; then   # -fcf-protection=full: entry is endbr64
            [[ $(func_bytes "$mod" "$f") == f30f1efa* ]] || err "$f does not start with endbr64"
        fi
        wb=$(func_bytes "$wmod" "$f") || err "no $f in $wmod"
        [ "$(func_bytes "$mod" "$f")" != "$wb" ] || err "$f has identical bytes in the wrong build"
    done

    # variants
    declare -A seen=()
    for i in "${!funcs[@]}"; do seen["${funcs[$i]}=${origs[$i]}"]=1; done
    for vl in "${vlines[@]}"; do
        read -r v vf vt <<<"$vl"
        o=$B/$prog/$v.o
        [ -f "$o" ] || { err "missing $o"; continue; }
        IFS=, read -ra vfa <<<"$vf"; IFS=, read -ra vta <<<"$vt"
        [ ${#vfa[@]} -eq ${#vta[@]} ] || err "variant $v: funcs/tokens count mismatch"
        for k in "${!vfa[@]}"; do
            f=${vfa[$k]}
            readelf -SW "$o" | grep -q "\] \.text\.${f#*:} " || err "variant $v: no .text.${f#*:} in $o"
            if [ "$prog" = cet ]; then
                [[ $(func_bytes "$o" "$f") == f30f1efa* ]] || err "variant $v: $f does not start with endbr64"
            fi
            [ -z "${seen["$f=${vta[$k]}"]:-}" ] || err "token ${vta[$k]} of $f is not distinct"
            seen["$f=${vta[$k]}"]=1
        done
    done
    unset seen

    # expected tick line
    exp=""
    for i in "${!funcs[@]}"; do exp+=" ${funcs[$i]}=${origs[$i]}"; done
    for exe in "$bin" "$B/$prog/$wrong"; do
        start=$(date +%s%N)
        out=$(timeout 10 "$exe" 1 </dev/null); rc=$?
        dur=$((($(date +%s%N) - start) / 1000000))
        [ $rc -eq 0 ] || err "$exe exited with $rc"
        n=$(grep -c . <<<"$out")
        [ "$n" -ge 10 ] || err "$exe printed only $n lines"
        bad=$(grep -vE "^tick [0-9]+$exp\$" <<<"$out" | head -1)
        [ -z "$bad" ] || err "$exe printed unexpected line: $bad"
        [ "$dur" -lt 3000 ] || err "$exe ran ${dur} ms with a 1 s limit"
    done
    [ $fail -eq $pfail ] && echo "ok   [$prog] funcs=${#funcs[@]} variants=${#vlines[@]} ($(head -1 <<<"$out"))"
done
[ $fail -eq 0 ] && echo "all ok" || echo "$fail failure(s)"
exit $((fail > 0))

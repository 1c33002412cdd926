#!/bin/sh
# measure.sh TAG KIND N [dp] [extra g++ flags...]: one nice'd compile; prints
# TAG KIND N dp wall_s user_s maxrss_MB and the program's output.
# CXX (default g++) selects the compiler.
tag=$1 kind=$2 n=$3 dp=$4; shift 4
here=$(cd "$(dirname "$0")/../.." && pwd)
src=/tmp/ct_${tag}_${kind}_${n}_${dp}.cpp
python3 "$here/bench/compile_time/gen.py" "$kind" "$n" "$dp" > "$src"
log=$src.time
nice /usr/bin/time -v ${CXX:-g++} -O2 -std=c++20 -I"$here/include" "$@" "$src" -o "${src%.cpp}" 2> "$log" >/dev/null || { tail -30 "$log"; exit 1; }
wall=$(grep 'Elapsed (wall' "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
user=$(grep 'User time' "$log" | awk '{print $NF}')
rss=$(grep 'Maximum resident' "$log" | awk '{printf "%.0f", $NF/1024}')
out=$("${src%.cpp}")
echo "$tag $kind $n $dp wall=${wall}s user=${user}s rss=${rss}MB out=$out"

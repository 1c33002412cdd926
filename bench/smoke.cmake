# bench.smoke: cmake -DBENCH=<lenet5_bench> -P smoke.cmake
# Runs the benchmark with a few iterations; fails unless it exits 0 and prints every table header
# and the result lines bench/run.sh parses. Timings are never checked.
execute_process(COMMAND ${BENCH} --quick RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lenet5_bench --quick exited with ${rc}")
endif()
foreach(expected
        "core FP32 peak: "
        "| config | typenet img/s | us/batch | % of peak |"
        "| config | data_parallel::accumulate | adam::step with 1/B"
        "| layer | in -> out | forward us | backward us | backward, params only us |"
        "result kind=peak gflops="
        "result kind=train batch=1 threads=1 images_per_s="
        "accumulate_us="
        "result kind=train batch=128 threads=2 images_per_s="
        "result kind=infer batch=128 threads=1 images_per_s="
        "layer index=0 name=conv<5,5,filters<6>> in=1x28x28 out=6x24x24 forward_us=")
    string(FIND "${out}" "${expected}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "lenet5_bench --quick did not print \"${expected}\"")
    endif()
endforeach()

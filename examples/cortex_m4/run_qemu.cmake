# Runs each firmware image in QEMU's mps2-an386 with semihosting (whose console QEMU writes to
# its standard error), keeps what it printed in <name>.out, and hands the three outputs to
# host_check. Any run that fails or times out fails the test with its output shown.
foreach(name IN ITEMS lenet5 separable train)
    execute_process(
        COMMAND ${QEMU} -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none
                -serial null -semihosting-config enable=on,target=native
                -kernel ${DIR}/${name}.elf
        OUTPUT_VARIABLE qemu_out ERROR_FILE ${DIR}/${name}.out RESULT_VARIABLE rc TIMEOUT 600)
    file(READ ${DIR}/${name}.out out)
    message("${out}")
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${name}.elf in QEMU: exit status ${rc} ${qemu_out}")
    endif()
endforeach()
execute_process(
    COMMAND ${CHECK} check ${DATA} ${WEIGHTS}/lenet5.safetensors ${WEIGHTS}/separable.safetensors
            ${DIR}/lenet5.out ${DIR}/separable.out ${DIR}/train.out
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "host_check: exit status ${rc}")
endif()

# qcc_add_model: compile a qcc model file into a static library target.
#
#   qcc_add_model(<target> MODEL <file>
#                 [TARGET cpu|cuda] [CPU auto|native|avx512vnni|avx2|generic]
#                 [NUMERICS fbgemm|fbgemm-avx2] [NAME <prefix>] [WEIGHTS embedded|file]
#                 [MAX_BATCH <n>] [CUDA_ARCHITECTURES <archs>])
#
# Runs `qcc <file> --target=cpu --name=<prefix> --cpu=... --numerics=... --weights=... -o DIR`
# at build time (DIR = ${CMAKE_CURRENT_BINARY_DIR}/qcc_models/<target>) and
# builds DIR/<prefix>.cpp into the static library <target>. Linking <target>
# gives its users:
#   - DIR on the include path: #include "<prefix>.h" (C and C++)
#   - qcc::runtime (libqcc_runtime.a and its headers, with its thread pool,
#     qcc_rt/thread_pool.h, and Threads::Threads), and C++17
# The code is generated again whenever the model file, its tensor file or the
# qcc executable changes.
#
# MODEL      the model's JSON file (qcc.export writes it with its .safetensors);
#            relative paths are relative to the current source directory.
# TARGET     the backend: cpu (default) or cuda. cuda writes <prefix>.cu, built
#            as a CUDA static library (the project must enable the CUDA
#            language); its users get <prefix>.h (C API, no CUDA headers) and
#            CUDA::cudart.
# MAX_BATCH  cuda: the largest run-time batch (--max-batch; default the
#            exported batch).
# CUDA_ARCHITECTURES  cuda: the library's CUDA_ARCHITECTURES (default 80;
#            the Tensor-Core kernels need 80 or newer, e.g. "80;90a").
# CPU        which kernels the library carries: auto (default; generic, avx2 and
#            avx512vnni, the best the running CPU allows chosen at run time, so a
#            library built on one machine runs at its best on another), native
#            (the building machine's best only), avx512vnni, avx2 or generic.
# NUMERICS   fbgemm (default; exact integer sums) or fbgemm-avx2 (PyTorch's int16
#            pair saturation on CPUs without AVX-512 VNNI); docs/numerics.md.
# NAME       prefix of the generated files and C symbols; a C identifier.
#            Default: <target>, with every character other than [A-Za-z0-9_]
#            replaced by '_'.
# WEIGHTS    embedded (default): the packed weights are compiled into the
#            library; file: they are written to DIR/<prefix>.weights, which the
#            program loads (qcc_weights_load, qcc_rt/weights_file.h) and passes
#            to <prefix>_run_with_weights.
#
# Target properties set on <target>: QCC_MODEL_NAME (the prefix),
# QCC_GENERATED_DIR (DIR), QCC_WEIGHTS_FILE (DIR/<prefix>.weights, WEIGHTS file
# only).
include_guard(GLOBAL)

function(qcc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 QCC "" "MODEL;TARGET;CPU;NUMERICS;NAME;WEIGHTS;MAX_BATCH"
                        "CUDA_ARCHITECTURES")
  set(_where "qcc_add_model(${target})")
  if(QCC_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${_where}: unexpected arguments: ${QCC_UNPARSED_ARGUMENTS}")
  endif()
  if(QCC_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "${_where}: no value for ${QCC_KEYWORDS_MISSING_VALUES}")
  endif()
  if(NOT QCC_MODEL)
    message(FATAL_ERROR "${_where}: MODEL <file> is required")
  endif()
  if(TARGET ${target})
    message(FATAL_ERROR "${_where}: a target named '${target}' already exists")
  endif()

  if(NOT DEFINED QCC_TARGET)
    set(QCC_TARGET cpu)
  endif()
  if(QCC_TARGET STREQUAL "cuda")
    get_property(_qcc_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
    if(NOT "CUDA" IN_LIST _qcc_languages)
      message(FATAL_ERROR "${_where}: TARGET cuda needs the CUDA language: "
                          "project(... CUDA) or enable_language(CUDA)")
    endif()
    find_package(CUDAToolkit REQUIRED)
    if(NOT DEFINED QCC_CUDA_ARCHITECTURES)
      set(QCC_CUDA_ARCHITECTURES 80)
    endif()
  elseif(NOT QCC_TARGET STREQUAL "cpu")
    message(FATAL_ERROR "${_where}: TARGET must be cpu or cuda, got '${QCC_TARGET}'")
  endif()

  if(NOT DEFINED QCC_CPU)
    set(QCC_CPU auto)
  endif()
  if(NOT QCC_CPU MATCHES "^(auto|native|avx512vnni|avx2|generic)$")
    message(FATAL_ERROR
            "${_where}: CPU must be auto, native, avx512vnni, avx2 or generic, got '${QCC_CPU}'")
  endif()

  if(NOT DEFINED QCC_NUMERICS)
    set(QCC_NUMERICS fbgemm)
  endif()
  if(NOT QCC_NUMERICS MATCHES "^(fbgemm|fbgemm-avx2)$")
    message(FATAL_ERROR "${_where}: NUMERICS must be fbgemm or fbgemm-avx2, got '${QCC_NUMERICS}'")
  endif()

  if(NOT DEFINED QCC_WEIGHTS)
    set(QCC_WEIGHTS embedded)
  endif()
  if(NOT QCC_WEIGHTS MATCHES "^(embedded|file)$")
    message(FATAL_ERROR "${_where}: WEIGHTS must be embedded or file, got '${QCC_WEIGHTS}'")
  endif()

  if(NOT DEFINED QCC_NAME)
    string(MAKE_C_IDENTIFIER "${target}" QCC_NAME)
  endif()
  if(NOT QCC_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "${_where}: NAME must be a C identifier, got '${QCC_NAME}'")
  endif()

  get_filename_component(_model "${QCC_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  # The tensor file the model names (tensor_file, relative to the model's
  # directory); <stem>.safetensors when the model is not there yet (made by
  # another rule of the build).
  get_filename_component(_model_dir "${_model}" DIRECTORY)
  get_filename_component(_model_stem "${_model}" NAME_WLE)
  set(_tensors "${_model_dir}/${_model_stem}.safetensors")
  if(EXISTS "${_model}")
    file(READ "${_model}" _json)
    string(JSON _tensor_file ERROR_VARIABLE _json_error GET "${_json}" tensor_file)
    if(_json_error)
      message(FATAL_ERROR "${_where}: ${_model} is not a qcc model file (${_json_error})")
    endif()
    get_filename_component(_tensors "${_tensor_file}" ABSOLUTE BASE_DIR "${_model_dir}")
    unset(_json)
  endif()

  set(_dir "${CMAKE_CURRENT_BINARY_DIR}/qcc_models/${target}")
  if(QCC_TARGET STREQUAL "cuda")
    set(_source "${_dir}/${QCC_NAME}.cu")
    set(_options --max-batch=${QCC_MAX_BATCH})
    if(NOT DEFINED QCC_MAX_BATCH)
      set(_options "")
    endif()
  else()
    set(_source "${_dir}/${QCC_NAME}.cpp")
    set(_options --cpu=${QCC_CPU})
  endif()
  set(_outputs "${_dir}/${QCC_NAME}.h" "${_source}")
  if(QCC_WEIGHTS STREQUAL "file")
    list(APPEND _outputs "${_dir}/${QCC_NAME}.weights")
  endif()
  add_custom_command(
    OUTPUT ${_outputs}
    COMMAND qcc::qcc "${_model}" --target=${QCC_TARGET} --name=${QCC_NAME} ${_options}
            --numerics=${QCC_NUMERICS} --weights=${QCC_WEIGHTS} -o "${_dir}"
    DEPENDS "${_model}" "${_tensors}" qcc::qcc "$<TARGET_FILE:qcc::qcc>"
    COMMENT "qcc: compiling ${QCC_MODEL} for ${QCC_TARGET} into ${_dir}"
    VERBATIM)

  if(QCC_TARGET STREQUAL "cuda")
    add_library(${target} STATIC "${_source}" "${_dir}/${QCC_NAME}.h")
    target_include_directories(${target} PUBLIC "${_dir}" "${QCC_RUNTIME_INCLUDE_DIR}"
                               PRIVATE "${QCC_RUNTIME_CUDA_INCLUDE_DIR}")
    target_link_libraries(${target} PUBLIC CUDA::cudart)
    # The requantization is written operation by operation: no fused multiply-adds.
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-fmad=false>)
    target_compile_features(${target} PUBLIC cxx_std_17)
    set_target_properties(${target} PROPERTIES CUDA_ARCHITECTURES "${QCC_CUDA_ARCHITECTURES}"
      LINKER_LANGUAGE CUDA QCC_MODEL_NAME "${QCC_NAME}" QCC_GENERATED_DIR "${_dir}")
    if(QCC_WEIGHTS STREQUAL "file")
      set_target_properties(${target} PROPERTIES QCC_WEIGHTS_FILE "${_dir}/${QCC_NAME}.weights")
    endif()
    return()
  endif()

  add_library(${target} STATIC "${_dir}/${QCC_NAME}.cpp" "${_dir}/${QCC_NAME}.h")
  target_include_directories(${target} PUBLIC "${_dir}")
  target_link_libraries(${target} PUBLIC qcc::runtime)
  target_compile_features(${target} PUBLIC cxx_std_17)
  # The numerics are written out operation by operation to match PyTorch: no
  # fused multiply-adds. Optimized unless the build type already is.
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -ffp-contract=off
      $<$<NOT:$<CONFIG:Release,RelWithDebInfo,MinSizeRel>>:-O2>)
  endif()
  set_target_properties(${target} PROPERTIES
    LINKER_LANGUAGE CXX
    QCC_MODEL_NAME "${QCC_NAME}"
    QCC_GENERATED_DIR "${_dir}")
  if(QCC_WEIGHTS STREQUAL "file")
    set_target_properties(${target} PROPERTIES QCC_WEIGHTS_FILE "${_dir}/${QCC_NAME}.weights")
  endif()
endfunction()

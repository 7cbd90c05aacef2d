# Installation and the CMake package (find_package(qcc CONFIG)).
#
# cmake --install <build> [--prefix P] lays out:
#   P/bin/qcc, P/bin/qcc-opt                  the compiler and its test driver
#   P/include/qcc_rt/*.h                      the runtime's headers
#   P/include/qcc_rt_cuda/*.cuh               the CUDA kernels generated NAME.cu includes
#   P/lib/libqcc_runtime.a                    the kernel library generated code links
#   P/lib/cmake/qcc/                          qccConfig.cmake, qccConfigVersion.cmake,
#                                             QccAddModel.cmake (qcc_add_model)
#   P/lib/qcc/python/qcc/                     the Python package (qcc.export/compile/verify)
#
# The build tree is a package too: its bin/ and lib/ already have the install
# layout, and <build>/lib/cmake/qcc/qccConfig.cmake points at them (headers and
# CMake modules from the source tree), so -DCMAKE_PREFIX_PATH=<build> works
# without installing.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QCC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/qcc" CACHE STRING
    "Where qccConfig.cmake is installed, relative to the prefix")
set(QCC_INSTALL_PYTHONDIR "${CMAKE_INSTALL_LIBDIR}/qcc/python" CACHE STRING
    "Where the qcc Python package is installed, relative to the prefix")
foreach(dir QCC_INSTALL_CMAKEDIR QCC_INSTALL_PYTHONDIR CMAKE_INSTALL_BINDIR
        CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
  if(IS_ABSOLUTE "${${dir}}")
    message(FATAL_ERROR "${dir} must be relative to the install prefix, got '${${dir}}'")
  endif()
endforeach()

# The tools link Debian's libMLIR.so / libLLVM.so, which live outside the
# loader's search path: the installed binaries keep the LLVM library
# directory as their RUNPATH.
set_target_properties(qcc qcc-opt PROPERTIES INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
install(TARGETS qcc qcc-opt RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS qcc_runtime ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime-support/include/qcc_rt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime-support/cuda/include/qcc_rt_cuda
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.cuh")

# qccConfig.cmake, once per layout. The installed one finds its prefix from
# its own location, so the prefix can be moved (or chosen with --prefix).
set(QCC_CONFIG_RUNTIME_LINK_OPTIONS "")
if(QCC_RT_SANITIZE)
  set(QCC_CONFIG_RUNTIME_LINK_OPTIONS "-fsanitize=address,undefined")
endif()
set(QCC_CONFIG_VERSION "${PROJECT_VERSION}")

file(RELATIVE_PATH _qcc_cfg_to_prefix "/prefix/${QCC_INSTALL_CMAKEDIR}" "/prefix")
set(QCC_CONFIG_PREFIX_CODE
    "get_filename_component(_qcc_prefix \"\${CMAKE_CURRENT_LIST_DIR}/${_qcc_cfg_to_prefix}\" ABSOLUTE)")
set(QCC_CONFIG_BINDIR "\${_qcc_prefix}/${CMAKE_INSTALL_BINDIR}")
set(QCC_CONFIG_LIBDIR "\${_qcc_prefix}/${CMAKE_INSTALL_LIBDIR}")
set(QCC_CONFIG_INCLUDEDIR "\${_qcc_prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
set(QCC_CONFIG_CUDA_INCLUDEDIR "\${_qcc_prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
set(QCC_CONFIG_MODULEDIR "\${CMAKE_CURRENT_LIST_DIR}")
set(QCC_CONFIG_LAYOUT "install")
configure_file(${CMAKE_CURRENT_LIST_DIR}/qccConfig.cmake.in
               ${PROJECT_BINARY_DIR}/install-config/qccConfig.cmake @ONLY)

set(QCC_CONFIG_PREFIX_CODE "")
set(QCC_CONFIG_BINDIR "${CMAKE_RUNTIME_OUTPUT_DIRECTORY}")
set(QCC_CONFIG_LIBDIR "${CMAKE_ARCHIVE_OUTPUT_DIRECTORY}")
set(QCC_CONFIG_INCLUDEDIR "${PROJECT_SOURCE_DIR}/runtime-support/include")
set(QCC_CONFIG_CUDA_INCLUDEDIR "${PROJECT_SOURCE_DIR}/runtime-support/cuda/include")
set(QCC_CONFIG_MODULEDIR "${CMAKE_CURRENT_LIST_DIR}")
set(QCC_CONFIG_LAYOUT "build tree ${PROJECT_BINARY_DIR}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/qccConfig.cmake.in
               ${PROJECT_BINARY_DIR}/lib/cmake/qcc/qccConfig.cmake @ONLY)

# 0.x: a minor version may change the generated API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lib/cmake/qcc/qccConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/install-config/qccConfig.cmake
              ${PROJECT_BINARY_DIR}/lib/cmake/qcc/qccConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/QccAddModel.cmake
        DESTINATION ${QCC_INSTALL_CMAKEDIR})

# The Python package, with _installed.py telling it where the tools are
# relative to itself (qcc._toolchain reads it).
set(_qcc_pkg "/prefix/${QCC_INSTALL_PYTHONDIR}/qcc")
file(RELATIVE_PATH QCC_PY_BINDIR "${_qcc_pkg}" "/prefix/${CMAKE_INSTALL_BINDIR}")
file(RELATIVE_PATH QCC_PY_LIBDIR "${_qcc_pkg}" "/prefix/${CMAKE_INSTALL_LIBDIR}")
file(RELATIVE_PATH QCC_PY_INCLUDEDIR "${_qcc_pkg}" "/prefix/${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/installed.py.in
               ${PROJECT_BINARY_DIR}/install-config/_installed.py @ONLY)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/qcc DESTINATION ${QCC_INSTALL_PYTHONDIR}
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/install-config/_installed.py
        DESTINATION ${QCC_INSTALL_PYTHONDIR}/qcc)

# Sourced by the scripts: the pinned npm wasm-opt first on PATH, and trunk
# kept offline (it must never fetch its own tools or check for updates).
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

echo hello >/dev/null

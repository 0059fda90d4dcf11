callloop 1000 >/dev/null

echo hello >/nonexistent/file; echo hello >/dev/null

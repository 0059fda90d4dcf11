no-such-program arg

"""Message execution: the machine, call frames and the runtime actors see, message application."""

let dataCommands: [Command] = []

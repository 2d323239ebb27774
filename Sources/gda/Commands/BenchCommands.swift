let benchCommands: [Command] = []

let experimentCommands: [Command] = []

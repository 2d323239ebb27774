let trainCommands: [Command] = []

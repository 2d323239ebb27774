let augmentCommands: [Command] = []

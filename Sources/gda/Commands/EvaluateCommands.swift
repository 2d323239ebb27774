let evaluateCommands: [Command] = []

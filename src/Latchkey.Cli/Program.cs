using Latchkey.Cli;

return await CliApp.RunAsync(args, CliConsole.FromProcess());

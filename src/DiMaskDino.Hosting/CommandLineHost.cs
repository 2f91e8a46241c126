using System.CommandLine;
using System.CommandLine.Invocation;

namespace DiMaskDino.Hosting;

/// <summary>
/// Runs a command-line host's root command. A command line that does not parse gets one "error:" line per problem
/// on standard error and exit code 1, instead of System.CommandLine's help page with .NET type names in it.
/// </summary>
public static class CommandLineHost
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Action is not ParseErrorAction)
        {
            return await parsed.InvokeAsync();
        }

        foreach (var line in ParseErrorLines.For(parsed))
        {
            await Console.Error.WriteLineAsync(line);
        }

        return CommandErrors.BadInput;
    }
}

using DiMaskDino.Coco;

namespace DiMaskDino.Hosting;

/// <summary>Turns failures of a command-line host into one-line reasons and exit codes: no stack traces for users.</summary>
public static class CommandErrors
{
    public const int Success = 0;
    public const int BadInput = 1;
    public const int Cancelled = 130;
    public const int Unexpected = 70;

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return Cancelled;
        }
        catch (Exception e) when (e is CocoFormatException or InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException or CliInputException)
        {
            await Console.Error.WriteLineAsync("error: " + OneLine(e.Message));
            return BadInput;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)}");
            return Unexpected;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>A problem with what the user asked for, already phrased for them.</summary>
public sealed class CliInputException(string message) : Exception(message);

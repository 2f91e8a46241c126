using Microsoft.Extensions.Logging;

namespace DiMaskDino.Cli;

/// <summary>Library log entries on standard error: warnings and errors as "warning:"/"error:" lines, information in grey.</summary>
internal sealed class ConsoleLogger<T> : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        switch (logLevel)
        {
            case LogLevel.Information:
                ConsoleUi.Info(message);
                break;
            case LogLevel.Warning:
                Console.Error.WriteLine("warning: " + message);
                break;
            default:
                Console.Error.WriteLine("error: " + message);
                break;
        }
    }
}

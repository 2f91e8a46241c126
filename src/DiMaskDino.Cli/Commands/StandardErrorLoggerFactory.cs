using Microsoft.Extensions.Logging;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// Loggers that write one line per entry at or above a level to standard error (<c>warn: Category: message</c>):
/// enough for retries, lost locks and dead letters to be seen, without a logging framework. Lines go to
/// <paramref name="writeLine"/> when given (<c>label</c> passes <see cref="LabelProgress.WriteLine"/>, which keeps them
/// clear of its progress bar), else straight to <see cref="Console.Error"/>.
/// </summary>
internal sealed class StandardErrorLoggerFactory(LogLevel minimum, Action<string>? writeLine = null) : ILoggerFactory
{
    private readonly Action<string> _writeLine = writeLine ?? Console.Error.WriteLine;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, minimum, _writeLine);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("this factory has no providers");

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogLevel minimum, Action<string> writeLine) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                LogLevel.Critical => "crit",
                LogLevel.Information => "info",
                _ => "dbug",
            };
            var text = formatter(state, exception) + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
            writeLine($"{level}: {category[(category.LastIndexOf('.') + 1)..]}: {text.ReplaceLineEndings(" ")}");
        }
    }
}

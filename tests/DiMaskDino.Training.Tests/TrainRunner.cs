using DiMaskDino.TestSupport;

namespace DiMaskDino.Training.Tests;

/// <summary>Runs the real <c>dimaskdino-train</c> executable as a child process.</summary>
internal static class TrainRunner
{
    public static ProcessRunner.Result Run(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino-train.dll", TimeSpan.FromMinutes(12), arguments);
}

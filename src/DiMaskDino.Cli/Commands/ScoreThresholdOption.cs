using System.CommandLine;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>--score-threshold</c> as <c>label</c> and <c>predict</c> share it: what the user gave, else what the model
/// recommends (metadata key <c>dimaskdino.score_threshold</c>), else <see cref="Default"/>.
/// </summary>
internal static class ScoreThresholdOption
{
    /// <summary>
    /// The command line's fallback when the model recommends no threshold; deliberately not the HTTP API's default
    /// (<see cref="LabelingThresholds.DefaultScoreThreshold"/>), which ignores the model's recommendation.
    /// </summary>
    public const double Default = 0.3;

    public static Option<double?> Create() => new("--score-threshold")
    {
        Description = $"Keep instances scoring at least this (0..1; default: the model's {ModelMetadata.Keys.ScoreThreshold} when it has one, else {Default}).",
    };

    /// <exception cref="CliInputException">the given value is outside 0..1</exception>
    public static void Validate(double? given)
    {
        if (given is { } value && JobRequestRules.ScoreThreshold(value) is { } problem)
        {
            throw new CliInputException($"--score-threshold {problem}");
        }
    }

    public static double Resolve(double? given, ModelMetadata model) => given ?? model.RecommendedScoreThreshold ?? Default;
}

namespace DiMaskDino.Training.Tests;

/// <summary>
/// Tests that seed torch's global generator, set its thread count or train in-process share this process-wide state, so
/// they run one at a time: a parallel test drawing from the global generator would change another's initialisation.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TorchProcessState
{
    public const string Name = "torch process state";
}

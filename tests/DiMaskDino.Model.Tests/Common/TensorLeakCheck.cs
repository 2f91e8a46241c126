using TorchSharp;

namespace DiMaskDino.Model.Tests.Common;

/// <summary>
/// Counts the tensors an action leaves alive on this thread (style.md, tensor lifetime rule 5): resets
/// DisposeScopeManager.Statistics, runs the action and returns created minus disposed. Create inputs and modules
/// before the call and dispose them after it; the action must dispose everything it creates.
/// </summary>
public static class TensorLeakCheck
{
    public static long LiveTensorsAfter(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        DisposeScopeManager.Statistics.Reset();
        action();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
    }
}

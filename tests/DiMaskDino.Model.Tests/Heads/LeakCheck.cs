using TorchSharp;

namespace DiMaskDino.Model.Tests.Heads;

/// <summary>
/// The style guide's tensor-leak check: reset the dispose-scope statistics, run an action that disposes exactly
/// what it creates itself (no enclosing dispose scope, so a module that forgot its own scope would show up), and
/// assert that no tensor created meanwhile is still alive. Inputs must be created before the call.
/// </summary>
internal static class LeakCheck
{
    public static void AssertNoLiveTensors(Action action)
    {
        DisposeScopeManager.Statistics.Reset();
        action();
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Heads;

/// <summary>Exact tensor comparison (TorchSharp's torch.equal is element-wise, unlike PyTorch's).</summary>
internal static class TensorAssert
{
    /// <summary>True when both tensors have the same shape and identical elements.</summary>
    public static bool Same(Tensor actual, Tensor expected)
    {
        if (!actual.shape.SequenceEqual(expected.shape))
        {
            return false;
        }

        using var equalElements = actual.eq(expected);
        using var all = equalElements.all();
        return all.item<bool>();
    }
}

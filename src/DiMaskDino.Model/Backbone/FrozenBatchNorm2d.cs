// Batch norm with fixed statistics and affine: the pretrained values are buffers, never trained (model.md §2).
// Same idea and buffer names as detectron2's FrozenBatchNorm2d (detectron2/layers/batch_norm.py, Apache-2.0)
// and torchvision's ops.FrozenBatchNorm2d, so the four buffers load from a torchvision BatchNorm2d state_dict.

using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// y = x·γ/√(var+ε) + β − mean·γ/√(var+ε), per channel. <c>weight</c> (γ), <c>bias</c> (β), <c>running_mean</c>
/// and <c>running_var</c> are buffers: they move with the module and are saved, but have no gradient and are not
/// returned by <c>parameters()</c>. Gradients still flow through to the input.
/// </summary>
public sealed class FrozenBatchNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;
    private readonly double _eps;

    /// <param name="numFeatures">channels C</param>
    /// <param name="eps">added to the variance; 1e-5 as torch, detectron2 and the CNTK export use</param>
    public FrozenBatchNorm2d(long numFeatures, double eps = 1e-5) : base(nameof(FrozenBatchNorm2d))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numFeatures);
        _eps = eps;
        weight = ones(numFeatures);
        bias = zeros(numFeatures);
        running_mean = zeros(numFeatures);
        // detectron2 starts at 1 − ε so that an unloaded layer is exactly the identity.
        running_var = ones(numFeatures) - eps;
        RegisterComponents();
    }

    /// <summary>Channel count C.</summary>
    public long NumFeatures => weight.shape[0];

    /// <param name="input">[B, C, H, W] float32</param>
    /// <returns>[B, C, H, W] float32</returns>
    /// <remarks>Inference-mode batch norm: one fused op, running statistics never updated.</remarks>
    public override Tensor forward(Tensor input) =>
        nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training: false, eps: _eps);
}

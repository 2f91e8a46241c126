using DiMaskDino.Contracts.Models;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// Input normalisation that pretrained backbone weights expect: x ← (x[order] − mean) / std, per channel, on pixel
/// values in [0, 255]. <see cref="Mean"/> and <see cref="Std"/> are listed in <see cref="Order"/>.
/// </summary>
public sealed class PixelNormalization
{
    public PixelNormalization(ChannelOrder order, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count != 3 || std.Count != 3 || std.Any(s => !(s > 0)))
        {
            throw new ArgumentException("Need three means and three positive standard deviations.");
        }

        Order = order;
        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>
    /// The CNTK ImageNet pretraining behind Microsoft.ML.DnnImageFeaturizer.ResNet18 (Caffe/MSRA style): BGR,
    /// 0–255, mean subtraction only. The means are the per-channel averages of the per-pixel <c>MeanImage</c> in
    /// the package's ResNetPreprocess.onnx (B 103.0626, G 115.9029, R 123.1516; CNTK's ImageNet1K_mean.xml).
    /// Scalar means instead of the mean image keep pooled features at cosine ≥ 0.997 to the exact pipeline
    /// (shared/design/resnet18-weights.md): right for a detector at any input size, not bit parity.
    /// </summary>
    public static PixelNormalization CntkImageNet { get; } =
        new(ChannelOrder.Bgr, [103.0626f, 115.9029f, 123.1516f], [1f, 1f, 1f]);

    /// <summary>
    /// torchvision-style ImageNet normalisation (RGB, mean 123.675/116.28/103.53, std 58.395/57.12/57.375), used by
    /// MaskDINO's R50 configs (model.md §1.1). Not for the CNTK weights.
    /// </summary>
    public static PixelNormalization TorchvisionImageNet { get; } =
        new(ChannelOrder.Rgb, [123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);

    public ChannelOrder Order { get; }

    /// <summary>Per-channel means on the 0–255 scale, in <see cref="Order"/>.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviations on the 0–255 scale, in <see cref="Order"/>.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <param name="rgb">[B, 3, H, W] float32, RGB, values 0–255</param>
    /// <returns>[B, 3, H, W] float32 in <see cref="Order"/>, normalised</returns>
    public Tensor Apply(Tensor rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        using var scope = NewDisposeScope();
        var x = Order == ChannelOrder.Bgr ? rgb.flip(1) : rgb;
        var mean = tensor(Mean.ToArray(), device: rgb.device).reshape(1, 3, 1, 1);
        var std = tensor(Std.ToArray(), device: rgb.device).reshape(1, 3, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }
}

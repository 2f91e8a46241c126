using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Common;

/// <summary>
/// MLP_k(a → h → o): k Linear layers a→h, h→h, …, h→o with ReLU between layers and none after the last
/// (model.md §0). Field name <c>layers</c> as in DETR/MaskDINO so weights map one to one.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;

    public Mlp(long inputDim, long hiddenDim, long outputDim, int numLayers) : base(nameof(Mlp))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        layers = new ModuleList<Linear>();
        for (var i = 0; i < numLayers; i++)
        {
            var input = i == 0 ? inputDim : hiddenDim;
            var output = i == numLayers - 1 ? outputDim : hiddenDim;
            layers.Add(nn.Linear(input, output));
        }

        RegisterComponents();
    }

    public int NumLayers => layers.Count;

    public Linear Layer(int index) => layers[index];

    /// <summary>Zeroes the last layer's weight and bias (box heads start as identity refinements).</summary>
    public void ZeroLastLayer()
    {
        using var noGrad = no_grad();
        layers[^1].weight!.zero_();
        layers[^1].bias!.zero_();
    }

    /// <param name="input">[..., inputDim]</param>
    /// <returns>[..., outputDim]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        for (var i = 0; i < layers.Count; i++)
        {
            x = layers[i].call(x);
            if (i < layers.Count - 1)
            {
                x = nn.functional.relu(x);
            }
        }

        return x.MoveToOuterDisposeScope();
    }
}

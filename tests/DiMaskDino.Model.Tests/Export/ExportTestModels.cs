// Random (non-init) weights for export parity tests: every parameter and frozen-BN buffer gets a random value of a
// sensible scale, so no zero or identity initialisation can hide an export mistake.

using DiMaskDino.Model.Backbone;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

internal static class ExportTestModels
{
    /// <summary>
    /// TINY preset with reduced K1/Q/G (40/20/5), 6 classes and random weights from a private generator seeded with
    /// <paramref name="seed"/> (test classes run in parallel and share the global one), in eval mode.
    /// </summary>
    public static DiMaskDinoModel Tiny(int seed, bool deImbalance, bool bato) =>
        Randomized(seed, TinyOptions with { DeImbalance = deImbalance, Bato = bato });

    /// <summary>The options of <see cref="Tiny"/> before DI and BATO are chosen.</summary>
    public static ModelOptions TinyOptions => ModelOptions.Tiny(6) with { FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5 };

    /// <summary>A model of <paramref name="options"/> with random weights from a generator seeded with <paramref name="seed"/>, in eval mode.</summary>
    public static DiMaskDinoModel Randomized(int seed, ModelOptions options)
    {
        var model = DiMaskDinoBuilder.Build(options);
        using var generator = new Generator((ulong)seed);
        Randomize(model, generator);
        model.eval();
        return model;
    }

    /// <summary>
    /// ≥2-D weights ~ N(0, 1/fan_in); 1-D "weight" (norm scales) 1 + N(0, 0.1²); other 1-D parameters N(0, 0.1²);
    /// frozen BN: γ 1 + N(0, 0.1²), β and mean N(0, 0.1²), var U(0.5, 1.5). Uses <paramref name="generator"/>, or the
    /// global generator when null.
    /// </summary>
    public static void Randomize(nn.Module module, Generator? generator = null)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (parameter.dim() >= 2)
            {
                long fanIn = parameter.numel() / parameter.shape[0];
                parameter.copy_(randn(parameter.shape, generator: generator) / Math.Sqrt(fanIn));
            }
            else if (name.EndsWith("weight", StringComparison.Ordinal))
            {
                parameter.copy_(1 + 0.1 * randn(parameter.shape, generator: generator));
            }
            else
            {
                parameter.copy_(0.1 * randn(parameter.shape, generator: generator));
            }
        }

        foreach (var submodule in module.modules().Append(module).OfType<FrozenBatchNorm2d>().Distinct())
        {
            foreach (var (name, buffer) in submodule.named_buffers())
            {
                buffer.copy_(name switch
                {
                    "weight" => 1 + 0.1 * randn(buffer.shape, generator: generator),
                    "running_var" => 0.5 + rand(buffer.shape, generator: generator),
                    _ => 0.1 * randn(buffer.shape, generator: generator),
                });
            }
        }
    }
}

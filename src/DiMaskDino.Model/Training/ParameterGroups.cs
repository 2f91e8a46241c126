using DiMaskDino.Model.Backbone;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Training;

/// <summary>
/// The optimiser's parameter groups (model.md §11): no weight decay for normalisation layers (GN, LN, BN) and
/// embeddings; the backbone at a reduced learning rate. Each group keeps its scale so a schedule can set
/// lr = base · scale · factor(iteration).
/// </summary>
public sealed class ParameterGroups
{
    private ParameterGroups(IReadOnlyList<Group> groups) => Groups = groups;

    public IReadOnlyList<Group> Groups { get; }

    public sealed record Group(string Name, IReadOnlyList<Parameter> Parameters, double LearningRateScale, double WeightDecay);

    /// <param name="model">the network; parameters whose path starts with <paramref name="backbonePrefix"/> are the backbone's</param>
    public static ParameterGroups Create(nn.Module model, TrainingOptions options, string backbonePrefix = "backbone.")
    {
        var buckets = new Dictionary<(bool Backbone, bool Decay), List<Parameter>>
        {
            [(true, true)] = [], [(true, false)] = [], [(false, true)] = [], [(false, false)] = [],
        };
        var seen = new HashSet<IntPtr>();
        foreach (var (moduleName, module) in model.named_modules())
        {
            var noDecay = module is LayerNorm or GroupNorm or BatchNorm2d or FrozenBatchNorm2d or Embedding;
            foreach (var (name, parameter) in module.named_parameters(recurse: false))
            {
                if (!parameter.requires_grad || !seen.Add(parameter.Handle))
                {
                    continue;
                }

                var path = moduleName.Length == 0 ? name : $"{moduleName}.{name}";
                buckets[(path.StartsWith(backbonePrefix, StringComparison.Ordinal), !noDecay)].Add(parameter);
            }
        }

        var groups = new List<Group>();
        foreach (var ((backbone, decay), parameters) in buckets)
        {
            if (parameters.Count > 0)
            {
                groups.Add(new Group(
                    $"{(backbone ? "backbone" : "head")}/{(decay ? "decay" : "no-decay")}",
                    parameters,
                    backbone ? options.BackboneLearningRateMultiplier : 1.0,
                    decay ? options.WeightDecay : 0.0));
            }
        }

        return new ParameterGroups(groups);
    }

    public int ParameterCount => Groups.Sum(g => g.Parameters.Count);

    /// <summary>AdamW (β 0.9/0.999, ε 1e-8) over the groups at the base learning rate.</summary>
    public AdamW CreateOptimizer(TrainingOptions options)
    {
        var groups = Groups.Select(g => new AdamW.ParamGroup(
            g.Parameters,
            new AdamW.Options { LearningRate = options.LearningRate * g.LearningRateScale, weight_decay = g.WeightDecay }));
        return optim.AdamW(groups, lr: options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: options.WeightDecay);
    }

    /// <summary>Sets every group's learning rate to base · scale · <paramref name="factor"/>.</summary>
    public void ApplyLearningRate(AdamW optimizer, double baseLearningRate, double factor)
    {
        var i = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = baseLearningRate * Groups[i++].LearningRateScale * factor;
        }
    }
}

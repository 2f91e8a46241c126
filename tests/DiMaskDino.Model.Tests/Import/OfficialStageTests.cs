// The official r50-small checkpoint imported with its config.yaml reproduces every recorded stage of the official
// forward (shared/golden/official/README.md): float tensors within 1e-4 on the stored stride slice, int64 tensors
// (spatial shapes, selections) exactly.

using DiMaskDino.Contracts.Models;
using DiMaskDino.TestSupport;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Import;

public sealed class OfficialStageTests(OfficialR50SmallFixture fixture, ITestOutputHelper output) : IClassFixture<OfficialR50SmallFixture>
{
    private const float Tolerance = 1e-4f;

    [SkippableFact]
    public void The_config_yaml_gives_the_recorded_configuration()
    {
        OfficialGolden.Require();
        var options = fixture.Get().Options;
        Assert.True(options.DeImbalance && options.Bato);
        Assert.Equal((1, 2, 2, 60, 20, 5, 80), (options.EncoderLayers, options.DecoderLayers, options.TokenInteractionLayers,
            options.FirstSelectedTokens, options.NumQueries, options.GuidingTokens, options.NumClasses));
        Assert.Equal((4, FeatureOrder.LowToHigh, BoxInitialization.MaskToBox, 2048, 2048),
            (options.FeatureLevels, options.FeatureOrder, options.BoxInitialization, options.FeedForwardDim, options.EncoderFeedForward));
        Assert.Equal(InputTransformKind.ResizeShortestEdge, options.InputTransform);
    }

    [SkippableFact]
    public void Normalised_and_padded_input_equals_the_recorded_one()
    {
        OfficialGolden.Require();
        var result = fixture.Get();
        Assert.Equal(0f, Compare("image", result.Input["image"], result.Preprocessed, null));
    }

    [SkippableFact]
    public void Every_recorded_stage_matches_the_official_forward()
    {
        OfficialGolden.Require();
        var result = fixture.Get();
        var ours = Stages(result);
        Assert.Equal(result.Stages.Names.Order(), ours.Keys.Order());
        var failures = new List<string>();
        var worst = (Diff: 0f, Name: "");
        foreach (var name in result.Stages.Names.Order())
        {
            try
            {
                var diff = Compare(name, result.Stages[name], ours[name](), result.Stages.SliceOf(name));
                worst = diff > worst.Diff ? (diff, name) : worst;
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException)
            {
                failures.Add(e.Message);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        output.WriteLine($"{ours.Count} stages; largest float difference {worst.Diff:G3} ({worst.Name})");
    }

    private static Dictionary<string, Func<Tensor>> Stages(OfficialR50SmallFixture.Result result)
    {
        var t = result.Trace;
        var o = result.Outputs;
        var levels = t.DecoderLevels!;
        var stages = new Dictionary<string, Func<Tensor>>
        {
            ["pixel_decoder.mask_features"] = () => t.MaskFeatures!,
            ["enc.spatial_shapes"] = () => tensor(levels.Sizes.SelectMany(s => new[] { s.Height, s.Width }).ToArray(), [levels.Count, 2]),
            ["enc.level_start_index"] = () => tensor(levels.Starts.ToArray()),
            ["enc.token_scores"] = () => t.TokenScores!,
            ["enc.topk_indices"] = () => t.FirstIndices!,
            ["enc.topk_scores"] = () => t.FirstScores!,
            ["interm.pred_logits"] = () => t.IntermLogits!,
            ["interm.pred_boxes"] = () => t.IntermBoxes!,
            ["interm.pred_masks"] = () => t.IntermMasks!,
            ["interm.mask2box_xyxy"] = () => t.IntermBoxCorners!,
            ["di.input_reference_logits"] = () => t.FirstReferenceLogits!,
            ["di.select_indices"] = () => t.SecondIndices!,
            ["di.select_scores"] = () => t.SecondScores!,
            ["di.query_content"] = () => t.QueryContent!,
            ["di.query_boxes"] = () => t.QueryReferenceLogits!.sigmoid(),
            ["decoder.initial.pred_logits"] = () => t.InitialLogits!,
            ["decoder.initial.pred_boxes"] = () => t.InitialBoxes!,
            ["bato.guide_indices"] = () => t.GuideIndices!,
            ["bato.guide_scores"] = () => t.GuideScores!,
            ["bato.mask_features"] = () => t.UpdatedMaskFeatures!,
            ["pred_logits"] = () => o.PredLogits,
            ["pred_boxes"] = () => o.PredBoxes,
            ["pred_masks"] = () => o.PredMasks,
        };
        string[] res = ["res2", "res3", "res4", "res5"];
        string[] strides = ["s8", "s16", "s32", "s64"];
        for (var i = 0; i < 4; i++)
        {
            var index = i;
            stages[$"backbone.{res[i]}"] = () => t.Backbone[index];
        }

        for (var i = 0; i < t.EncoderMaps.Length; i++)
        {
            var index = i;
            stages[$"pixel_decoder.{strides[i]}"] = () => t.EncoderMaps[index];
        }

        for (var i = 0; i < t.TokenInteraction.Count; i++)
        {
            var step = t.TokenInteraction[i];
            stages[$"di.ti{i}.hidden"] = () => step.Hidden;
            stages[$"di.ti{i}.boxes"] = () => step.Boxes;
            stages[$"di.ti{i}.pred_logits"] = () => step.PredLogits;
            stages[$"di.ti{i}.pred_boxes"] = () => step.PredBoxes;
        }

        for (var i = 0; i < t.References.Length; i++)
        {
            var index = i;
            stages[$"decoder.reference{i}"] = () => t.References[index];
        }

        for (var i = 0; i < t.Hidden.Length; i++)
        {
            var index = i;
            stages[$"decoder.hidden{i}"] = () => t.Hidden[index];
        }

        for (var i = 0; i < t.LayerLogits.Length - 1; i++)
        {
            var index = i;
            stages[$"decoder.layer{i}.pred_logits"] = () => t.LayerLogits[index];
            stages[$"decoder.layer{i}.pred_boxes"] = () => t.LayerBoxes[index];
        }

        return stages;
    }

    /// <returns>the largest absolute difference (0 for int64 tensors, which must be equal)</returns>
    internal static float Compare(string name, StoredTensor expected, Tensor actual, (long[] FullShape, long[] Steps)? slice)
    {
        var full = slice?.FullShape ?? expected.Shape;
        Assert.True(full.SequenceEqual(actual.shape), $"{name}: shape [{string.Join(",", actual.shape)}], official [{string.Join(",", full)}]");
        var ours = actual;
        if (slice is { } s)
        {
            ours = actual[[.. s.Steps.Select(step => TensorIndex.Slice(null, null, step))]];
        }

        if (expected.Longs is { } longs)
        {
            var values = ours.to(int64).contiguous().data<long>().ToArray();
            var first = Enumerable.Range(0, longs.Length).FirstOrDefault(i => values[i] != longs[i], -1);
            Assert.True(first < 0, $"{name}: int64 differs first at flat index {first}: ours {(first < 0 ? 0 : values[first])}, official {(first < 0 ? 0 : longs[first])}");
            return 0;
        }

        var floats = ours.to(float32).contiguous().data<float>().ToArray();
        Assert.Equal(expected.Floats!.Length, floats.Length);
        var worst = 0f;
        var at = 0;
        for (var i = 0; i < floats.Length; i++)
        {
            var d = MathF.Abs(floats[i] - expected.Floats[i]);
            if (!(d <= worst))
            {
                worst = float.IsNaN(d) ? float.PositiveInfinity : d;
                at = i;
            }
        }

        Assert.True(worst <= Tolerance, $"{name}: max |diff| {worst:G3} at flat index {at} (ours {floats[at]}, official {expected.Floats[at]})");
        return worst;
    }
}

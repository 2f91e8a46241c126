using System.Text.Json;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.TestSupport;
using Xunit.Abstractions;

namespace DiMaskDino.Inference.Tests.Golden;

/// <summary>
/// The official post-processing from the official network outputs (stages.safetensors: pred_logits, pred_boxes and the
/// complete pred_masks) against instances.json, with the README's tolerances.
/// </summary>
public sealed class OfficialInstancesTests(ITestOutputHelper output)
{
    /// <summary>Masks may differ where the official logit lies within about 1e-5 of 0 (README: at most a few pixels).</summary>
    private const int MaxDifferingPixelsPerMask = 10;

    [SkippableFact]
    public void Official_post_processing_of_the_official_outputs_reproduces_instances_json()
    {
        foreach (var golden in OfficialGolden.Cases("r50-small"))
        {
            var stages = Safetensors.Read(golden.Stages);
            var logits = stages["pred_logits"];
            var masks = stages["pred_masks"];
            Assert.Null(stages.SliceOf("pred_masks"));   // stored complete
            int classes = (int)logits.Shape[2], maskHeight = (int)masks.Shape[2], maskWidth = (int)masks.Shape[3];
            var geometry = new LetterboxGeometry(
                golden.PaddedHeight, golden.PaddedWidth, golden.ResizedHeight, golden.ResizedWidth, golden.Height, golden.Width);

            var actual = new InstancePostProcessor(InstancePostProcessorOptions.Official).Process(
                logits.Floats, stages["pred_boxes"].Floats, masks.Floats, classes, maskHeight, maskWidth, geometry);

            var expected = ReadInstances(golden.Instances);
            Assert.Equal(100, expected.Count);
            Assert.Equal(
                expected.Select(e => (e.Query, e.Category)).Order().ToArray(),
                actual.Select(a => (a.Query, a.ClassIndex)).Order().ToArray());
            double sx = (double)golden.PaddedWidth / golden.ResizedWidth * golden.Width;
            double sy = (double)golden.PaddedHeight / golden.ResizedHeight * golden.Height;
            var byPair = actual.ToDictionary(a => (a.Query, a.ClassIndex));
            var ours = new byte[golden.Height * golden.Width];
            var theirs = new byte[golden.Height * golden.Width];
            double worstScore = 0, worstBox = 0;
            int worstMask = 0, totalMask = 0;
            foreach (var e in expected)
            {
                var a = byPair[(e.Query, e.Category)];
                double maskScore = a.Score / a.ClassScore;
                worstScore = Math.Max(worstScore, Math.Max(Math.Abs(a.Score - e.Score), Math.Max(Math.Abs(a.ClassScore - e.ClassScore), Math.Abs(maskScore - e.MaskScore))));
                Assert.True(Math.Abs(a.ClassScore - e.ClassScore) <= 1e-4, $"{e}: class score {a.ClassScore}");
                Assert.True(Math.Abs(maskScore - e.MaskScore) <= 1e-4, $"{e}: mask score {maskScore}");
                Assert.True(Math.Abs(a.Score - e.Score) <= 1e-4, $"{e}: score {a.Score}");
                double[] box = [a.Box.X, a.Box.Y, a.Box.X + a.Box.Width, a.Box.Y + a.Box.Height];
                for (int k = 0; k < 4; k++)
                {
                    double scale = k % 2 == 0 ? sx : sy, difference = Math.Abs(box[k] - e.Box[k]);
                    worstBox = Math.Max(worstBox, difference / scale);
                    Assert.True(difference <= 1e-4 * scale, $"{e}: box [{string.Join(", ", box)}]");
                }

                Rle.Decode(a.Mask, ours);
                Rle.Decode(Rle.FromCompressedString(e.Counts, golden.Height, golden.Width), theirs);
                int differing = 0;
                for (int p = 0; p < ours.Length; p++)
                {
                    differing += ours[p] != theirs[p] ? 1 : 0;
                }

                worstMask = Math.Max(worstMask, differing);
                totalMask += differing;
                Assert.True(differing <= MaxDifferingPixelsPerMask, $"{e}: {differing} mask pixels differ");
                Assert.True(Math.Abs(a.Mask.Area - e.Area) <= differing, $"{e}: area {a.Mask.Area}");
            }

            output.WriteLine($"{golden.Image}: max score difference {worstScore:E2}, max box difference {worstBox:E2} × scale, "
                + $"differing mask pixels {totalMask} in total, at most {worstMask} per mask");
        }
    }

    private static List<OfficialInstance> ReadInstances(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return [.. doc.RootElement.GetProperty("instances").EnumerateArray().Select(i => new OfficialInstance(
            i.GetProperty("query").GetInt32(), i.GetProperty("category").GetInt32(),
            i.GetProperty("score").GetDouble(), i.GetProperty("class_score").GetDouble(), i.GetProperty("mask_score").GetDouble(),
            [.. i.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetDouble())],
            i.GetProperty("area").GetInt64(), i.GetProperty("segmentation").GetProperty("counts").GetString()!))];
    }

    private sealed record OfficialInstance(int Query, int Category, double Score, double ClassScore, double MaskScore, double[] Box, long Area, string Counts)
    {
        public override string ToString() => $"official instance (query {Query}, category {Category}, score {Score}, box [{string.Join(", ", Box)}], area {Area})";
    }
}

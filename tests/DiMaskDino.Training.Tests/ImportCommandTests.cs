// dimaskdino-train import through its entry point (the real executable): the golden r50-small checkpoint with its
// config.yaml, the released DI-MaskDINO key layout under its preset, a MaskDINO layout refused naming its preset, and
// bad checkpoints — each error one line naming the file, exit 1, nothing written.

using System.IO.Compression;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Model;
using DiMaskDino.Model.Import;
using DiMaskDino.Model.Training;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Training.Tests;

public sealed class ImportCommandTests
{
    // Without --onnx: the 1344² fixed-size export of an R50-size model takes minutes on 2 cores (the ONNX metadata of
    // imported models is checked on a small model in Model.Tests, ImportedModelMetadataTests).
    [SkippableFact]
    public void The_golden_checkpoint_imports_with_its_config_yaml()
    {
        var set = OfficialGolden.RequireSet("r50-small");
        using var folder = new TemporaryDirectory();
        var output = folder.File("imported");

        var run = TrainRunner.Run("import", "--checkpoint", Path.Combine(set, "model_final.pth"), "--config", Path.Combine(set, "config.yaml"), "--out", output);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("426 tensors, 74 aliases checked", run.StandardOutput);
        var state = Checkpoint.ReadState(output);
        Assert.Equal(CocoCategories.All, state.Categories);
        var options = state.ToModelOptions();
        Assert.Equal((InputTransformKind.ResizeShortestEdge, 800, 1333, 2, 60, 20), (options.InputTransform, options.ResizeShortEdge, options.ResizeMaxSize, options.DecoderLayers, options.FirstSelectedTokens, options.NumQueries));
        Assert.Equal(["imported"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void The_released_dimaskdino_key_layout_imports_under_its_preset()
    {
        var keys = Path.Combine(OfficialGolden.Require(), "keys-r50-coco-12ep.tsv");
        using var folder = new TemporaryDirectory();
        var file = folder.File("model_final.pth");
        var entries = CheckpointFileEntry.FromKeysTsv(keys);
        OfficialCheckpointFile.Write(file, entries, _ => null, CompressionLevel.Fastest);

        using var checkpoint = TorchCheckpointReader.Open(file);
        Assert.Equal(717, checkpoint.Entries.Count);
        using var model = OfficialCheckpointImporter.Load(checkpoint, OfficialPresets.For(OfficialPresets.DiMaskDinoR50Coco), "preset");
        Assert.Equal(594, model.state_dict().Count);
        Assert.Equal(122, OfficialCheckpointImporter.ExpectedLayout(model.Options).Aliases.Count);
    }

    [Fact]
    public void A_maskdino_layout_is_refused_under_the_dimaskdino_preset_naming_its_own()
    {
        using var folder = new TemporaryDirectory();
        var file = folder.File("maskdino.pth");
        var layout = OfficialCheckpointImporter.ExpectedLayout(OfficialPresets.For(OfficialPresets.MaskDinoR50Coco3sDownsample1));
        var aliases = layout.Aliases.ToDictionary(a => a.Alias, a => a.Canonical);
        var entries = layout.Shapes.Keys.OrderBy(k => aliases.ContainsKey(k))
            .Select(k => new CheckpointFileEntry(k, [.. layout.Shapes[k]], aliases.GetValueOrDefault(k)))
            .Append(new CheckpointFileEntry(OfficialKeyMap.CriterionBuffer, [81]))
            .ToList();
        OfficialCheckpointFile.Write(file, entries, _ => null, CompressionLevel.NoCompression);

        var run = ImportExpectingFailure(folder, file, "--preset", OfficialPresets.DiMaskDinoR50Coco);

        Assert.Contains($"it fits preset {OfficialPresets.MaskDinoR50Coco3sDownsample1}", run);
        Assert.Contains("missing key", run);
    }

    [Fact]
    public void Not_a_zip_file_is_one_error_line()
    {
        using var folder = new TemporaryDirectory();
        var file = folder.File("model_final.pth");
        File.WriteAllText(file, "this is not a checkpoint");
        Assert.Contains("not a zip file", ImportExpectingFailure(folder, file, "--preset", OfficialPresets.DiMaskDinoR50Coco));
    }

    [SkippableFact]
    public void A_truncated_checkpoint_is_one_error_line()
    {
        var golden = File.ReadAllBytes(Path.Combine(OfficialGolden.RequireSet("r50-small"), "model_final.pth"));
        using var folder = new TemporaryDirectory();
        var file = folder.File("model_final.pth");
        File.WriteAllBytes(file, golden[..(golden.Length / 2)]);
        Assert.Contains("truncated", ImportExpectingFailure(folder, file, "--config", GoldenConfig()));
    }

    [SkippableFact]
    public void A_nan_weight_is_one_error_line()
    {
        using var folder = new TemporaryDirectory();
        var file = folder.File("model_final.pth");
        const string Poisoned = "sem_seg_head.predictor.decoder.layers.1.linear2.bias";
        RewriteGolden(file, (entry, values) =>
        {
            if (entry.Name == Poisoned)
            {
                values[3] = float.NaN;
            }

            return (entry, values);
        });
        Assert.Contains($"{Poisoned} holds NaN", ImportExpectingFailure(folder, file, "--config", GoldenConfig()));
    }

    [SkippableFact]
    public void A_mis_shaped_weight_is_one_error_line()
    {
        using var folder = new TemporaryDirectory();
        var file = folder.File("model_final.pth");
        const string Reshaped = "sem_seg_head.predictor.enc_output.weight";
        RewriteGolden(file, (entry, values) => entry.Name == Reshaped ? (entry with { Shape = [128, 512] }, values) : (entry, values));
        Assert.Contains($"1 mis-shaped key ({Reshaped} [128,512] expected [256,256])", ImportExpectingFailure(folder, file, "--config", GoldenConfig()));
    }

    [SkippableFact]
    public void The_golden_checkpoint_under_the_full_preset_is_refused()
    {
        var set = OfficialGolden.RequireSet("r50-small");
        using var folder = new TemporaryDirectory();
        var run = ImportExpectingFailure(folder, Path.Combine(set, "model_final.pth"), "--preset", OfficialPresets.DiMaskDinoR50Coco);
        Assert.Contains("does not fit preset dimaskdino-r50-coco", run);
        Assert.Contains("missing keys (sem_seg_head.pixel_decoder.transformer.encoder.layers.1.", run);
    }

    // The exporter emits every released configuration (Model.Tests, OfficialConfigurationExportTests): --onnx refuses
    // none of them, so a bad checkpoint is the error, reported as without --onnx.
    [Theory]
    [InlineData(OfficialPresets.DiMaskDinoR50Coco)]
    [InlineData(OfficialPresets.MaskDinoR50Coco3s)]
    [InlineData(OfficialPresets.MaskDinoR50Coco3sDownsample1)]
    public void Onnx_refuses_no_released_preset(string preset)
    {
        using var folder = new TemporaryDirectory();
        var file = folder.File("model_final.pth");
        File.WriteAllText(file, "not a zip file");
        var run = ImportExpectingFailure(folder, file, "--preset", preset, "--onnx", folder.File("m.onnx"));
        Assert.DoesNotContain("--onnx", run);
    }

    private static string GoldenConfig() => Path.Combine(OfficialGolden.RequireSet("r50-small"), "config.yaml");

    /// <summary>Runs import into folder/out (and folder/out.onnx); asserts exit 1, one stderr line naming the file, nothing written.</summary>
    private static string ImportExpectingFailure(TemporaryDirectory folder, string file, params string[] arguments)
    {
        var before = Directory.EnumerateFileSystemEntries(folder.Path).Order().ToList();
        var run = TrainRunner.Run(["import", "--checkpoint", file, "--out", folder.File("out"), .. arguments]);
        Assert.Equal(1, run.ExitCode);
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, run.StandardError);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(file, lines[0]);

        Assert.Equal(before, Directory.EnumerateFileSystemEntries(folder.Path).Order().ToList());
        return lines[0];
    }

    /// <summary>The golden checkpoint written again (deflated) after <paramref name="change"/> saw each owned tensor.</summary>
    private static void RewriteGolden(string file, Func<CheckpointFileEntry, float[], (CheckpointFileEntry, float[])> change)
    {
        var set = OfficialGolden.RequireSet("r50-small");
        var entries = CheckpointFileEntry.FromKeysTsv(Path.Combine(set, "keys.tsv"));
        using var golden = TorchCheckpointReader.Open(Path.Combine(set, "model_final.pth"));
        var stored = golden.Entries.ToDictionary(e => e.Name);
        var values = new Dictionary<string, float[]>();
        var changed = entries.Select(entry =>
        {
            if (entry.SameStorageAs is not null)
            {
                return entry;
            }

            using var tensor = golden.Read(stored[entry.Name]);
            var (updated, data) = change(entry, tensor.data<float>().ToArray());
            values[entry.Name] = data;
            return updated;
        }).ToList();
        OfficialCheckpointFile.Write(file, changed, e => values[e.Name], CompressionLevel.Fastest);
    }
}

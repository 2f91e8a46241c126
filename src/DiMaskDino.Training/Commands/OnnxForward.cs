// An exported DI-MaskDINO graph in ONNX Runtime (CPU EP) for the training host's evaluate and bench commands: the
// input size and normalisation from its metadata, normalised [B, 3, H, W] in, the three outputs back as tensors.

using DiMaskDino.Contracts.Models;
using DiMaskDino.Hosting;
using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Export;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using ModelMetadata = DiMaskDino.Contracts.Models.ModelMetadata;

namespace DiMaskDino.Training.Commands;

internal sealed class OnnxForward : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    /// <param name="path">an exported inference graph (<c>dimaskdino.graph</c> = inference)</param>
    /// <param name="threads">intra-op threads (inter-op: 1, sequential execution)</param>
    public OnnxForward(string path, int threads)
    {
        if (!File.Exists(path))
        {
            throw new CliInputException($"--model: {path} does not exist");
        }

        _options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        try
        {
            _session = new InferenceSession(path, _options);
            ModelMetadata metadata;
            try
            {
                metadata = ModelMetadata.Parse(_session.ModelMetadata.CustomMetadataMap, path);
            }
            catch (InvalidDataException e)
            {
                throw new CliInputException($"--model: {e.Message}");
            }

            if (metadata.IsSizeDynamic)
            {
                throw new CliInputException($"--model: {path} is a size-dynamic export; this command needs a fixed square size (bench forward-size takes size-dynamic models)");
            }

            (InputSize, var width) = metadata.FixedInputSize();
            if (width != InputSize)
            {
                throw new CliInputException($"--model: {path} has a {InputSize}x{width} input; only square exports are supported here");
            }

            Normalization = new PixelNormalization(metadata.ChannelOrder, metadata.Mean, metadata.Std);
            NumClasses = metadata.NumClasses;
            ClassIds = [.. metadata.Classes.Select(c => c.Id)];
            var dtype = metadata.WeightsDtype;
            Precision = Enum.GetValues<WeightPrecision>().FirstOrDefault(p => p.MetadataValue() == dtype, (WeightPrecision)(-1));
            if (!Enum.IsDefined(Precision))
            {
                throw new CliInputException($"--model: {path} has unknown weights_dtype \"{dtype}\"");
            }
        }
        catch
        {
            _session?.Dispose();
            _options.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>Square input side (pixels).</summary>
    public int InputSize { get; }

    public PixelNormalization Normalization { get; }

    public int NumClasses { get; }

    /// <summary>COCO category id of each class index, from <c>dimaskdino.classes</c>.</summary>
    public IReadOnlyList<int> ClassIds { get; }

    /// <summary>How the file stores its weights (<c>dimaskdino.weights_dtype</c>).</summary>
    public WeightPrecision Precision { get; }

    /// <summary>Runs the graph; the caller owns the returned OrtValues (dispose the collection).</summary>
    /// <param name="input">an OrtValue over a normalised [B, 3, S, S] float32 batch</param>
    public IDisposableReadOnlyCollection<OrtValue> RunRaw(OrtValue input) =>
        _session.Run(_runOptions, [ModelMetadata.ImagesInput], [input], [.. ModelMetadata.OutputNames]);

    /// <param name="input">normalised [B, 3, S, S] float32</param>
    /// <returns>pred_logits [B, Q, C], pred_boxes [B, Q, 4], pred_masks [B, Q, S/4, S/4] (in the caller's dispose scope)</returns>
    public Tensor[] Run(Tensor input)
    {
        var contiguous = input.detach().contiguous();
        using var value = OrtValue.CreateTensorValueFromMemory(contiguous.data<float>().ToArray(), contiguous.shape);
        using var results = RunRaw(value);
        return [.. results.Select(r => tensor(r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape))];
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
        _runOptions.Dispose();
    }
}

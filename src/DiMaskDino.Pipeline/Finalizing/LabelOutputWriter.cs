using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// Writes annotations.json (see <see cref="AnnotationsDataset"/>) and failures.json to local temporary files while
/// shard results are fed in shard order, one at a time, so memory holds one shard's result whatever the job size.
/// Annotation ids are 1, 2, … in output order; images keep the ids assigned at planning. Same results in, same bytes
/// out. With <c>evaluation</c>, the results' evaluation-mode instances are also kept in memory as detections
/// (<see cref="Evaluation"/>): COCOeval needs them all at once anyway.
/// </summary>
internal sealed class LabelOutputWriter : IDisposable
{
    private readonly string _folder;
    private readonly string _prefix;
    private readonly FileStream _annotationsFile;
    private readonly FileStream _annotationsBuffer;
    private readonly FileStream _failuresFile;
    private readonly CocoDatasetWriter _dataset;
    private readonly Utf8JsonWriter _failures;
    private readonly List<CocoImage>? _evaluationImages;
    private readonly List<CocoDetection>? _evaluationDetections;
    private IReadOnlyList<LabelCategory>? _categories;

    /// <param name="imagesPrefix">removed from blob names to give COCO file names</param>
    /// <param name="mode">the post-processing the results' instances went through</param>
    /// <param name="evaluation">also keep the evaluation-mode instances as <see cref="Evaluation"/></param>
    public LabelOutputWriter(string imagesPrefix, PostProcessMode mode, bool evaluation)
    {
        _prefix = imagesPrefix;
        _folder = Directory.CreateTempSubdirectory("dimaskdino-finalize-").FullName;
        _annotationsFile = File.Create(AnnotationsPath);
        _annotationsBuffer = CocoDatasetWriter.CreateScratchBuffer(Path.Combine(_folder, "annotations.part"));
        _failuresFile = File.Create(FailuresPath);
        _dataset = AnnotationsDataset.CreateWriter(_annotationsFile, _annotationsBuffer, mode);
        _failures = new Utf8JsonWriter(_failuresFile, new JsonWriterOptions { Indented = true });
        _failures.WriteStartArray();
        if (evaluation)
        {
            _evaluationImages = [];
            _evaluationDetections = [];
        }
    }

    public string AnnotationsPath => Path.Combine(_folder, JobPaths.AnnotationsFile);

    public string FailuresPath => Path.Combine(_folder, JobPaths.FailuresFile);

    /// <summary>The labeled images and their evaluation-mode detections, when the writer was asked for them.</summary>
    public EvaluationDetections? Evaluation =>
        _evaluationImages is null ? null : new EvaluationDetections(_evaluationImages, _evaluationDetections!);

    public long ImagesLabeled => _dataset.Images;

    public long ImagesFailed { get; private set; }

    public long Annotations => _dataset.Annotations;

    public int CategoryCount => _categories?.Count ?? 0;

    public void Add(ShardResult result)
    {
        _categories ??= result.Categories;
        foreach (var image in result.Images)
        {
            var fileName = image.Name.StartsWith(_prefix, StringComparison.Ordinal) ? image.Name[_prefix.Length..] : image.Name;
            if (image.Failure is { } failure)
            {
                ImagesFailed++;
                _failures.WriteStartObject();
                _failures.WriteString("file_name", fileName);
                _failures.WriteString("reason", failure.Reason);
                _failures.WriteEndObject();
                continue;
            }

            var cocoImage = new CocoImage { Id = image.Id, Width = image.Width, Height = image.Height, FileName = fileName };
            _dataset.Write(cocoImage, image.Instances);
            if (_evaluationImages is not null)
            {
                _evaluationImages.Add(cocoImage);
                // Results written before the two modes existed hold official instances only (at the job's threshold).
                _evaluationDetections!.AddRange((image.Evaluation ?? image.Instances).Select(i => i.ToDetection(image.Id)));
            }
        }

        _failures.Flush();
    }

    /// <summary>Closes annotations.json and failures.json; call once after the last result.</summary>
    public void Complete()
    {
        _dataset.Complete((_categories ?? []).Select(c => new CocoCategory { Id = c.Id, Name = c.Name }));
        _annotationsFile.Dispose();
        _failures.WriteEndArray();
        _failures.Flush();
        _failuresFile.Write("\n"u8);
        _failures.Dispose();
        _failuresFile.Dispose();
    }

    public void Dispose()
    {
        _dataset.Dispose();
        _failures.Dispose();
        _annotationsFile.Dispose();
        _annotationsBuffer.Dispose();
        _failuresFile.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

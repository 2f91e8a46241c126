using System.Collections.Concurrent;

namespace DiMaskDino.Coco.Evaluation;

public sealed record CocoEvaluatorOptions
{
    /// <summary>Threads for the per-cell and per-category work; -1 = all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Keep pycocotools-shaped per-image records and IoU matrices (memory-hungry; for tests and debugging).</summary>
    public bool KeepImageRecords { get; init; }
}

/// <summary>
/// COCOeval for boxes and masks, number for number equal to pycocotools 2.0.11:
/// evaluate (per (category, image) cell, in parallel) → accumulate (per category, in parallel) → summarize.
/// </summary>
public static class CocoEvaluator
{
    public static CocoEvaluation Evaluate(
        CocoDataset groundTruth, IReadOnlyList<CocoDetection> detections, CocoEvalParameters parameters, CocoEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        options ??= new CocoEvaluatorOptions();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var input = Unwrapped(() => EvaluationInput.Create(groundTruth, detections, parameters.UseCategories, parallel));
        var prepared = clock.Elapsed;
        var cells = Unwrapped(() => EvaluateCells(input, parameters, options.KeepImageRecords, parallel));
        var evaluated = clock.Elapsed;
        var arrays = Unwrapped(() => Accumulator.Run(cells, input.CellCategoryCount, input.ImageCount, parameters, parallel));
        var accumulated = clock.Elapsed;
        var (stats, text) = Summarizer.Summarize(arrays, parameters);
        var names = groundTruth.Categories.ToDictionary(c => c.Id, c => c.Name);
        var perCategory = Summarizer.PerCategory(arrays, parameters, input.CategoryIds, names);
        var records = options.KeepImageRecords
            ? cells.Where(c => c?.Record is not null).Select(c => c!.Record!).ToList()
            : null;
        var timings = new EvaluationTimings(prepared, evaluated - prepared, accumulated - evaluated, clock.Elapsed - accumulated);
        return new CocoEvaluation(parameters, input.ImageIds, input.CategoryIds, arrays, stats, text, perCategory, records) { Timings = timings };
    }

    /// <summary>Parallel loops wrap failures; callers should see the bad annotation's own exception.</summary>
    private static T Unwrapped<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }

    private static CellEvaluation?[] EvaluateCells(EvaluationInput input, CocoEvalParameters parameters, bool keepRecords, ParallelOptions parallel)
    {
        var matcher = new CellMatcher(input, parameters, keepRecords);
        var images = input.ImageCount;
        var cells = new CellEvaluation?[input.CellCategoryCount * images];
        var chunk = Math.Max(64, cells.Length / (Environment.ProcessorCount * 16));
        Parallel.ForEach(Partitioner.Create(0, cells.Length, chunk), parallel, range =>
        {
            for (var c = range.Item1; c < range.Item2; c++)
            {
                cells[c] = matcher.Evaluate(c / images, c % images);
            }
        });
        return cells;
    }
}

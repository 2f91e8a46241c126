namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// evaluateImg's record for one (image, category) at the first area range and the last max-detections
/// value, shaped as pycocotools returns it. Kept only when <see cref="CocoEvaluatorOptions.KeepImageRecords"/> is set.
/// </summary>
/// <param name="CategoryId">-1 when categories are not used</param>
/// <param name="GroundTruthIds">ignored ground truths last</param>
/// <param name="DetectionMatches">[T][D] matched ground-truth id, 0 for none</param>
/// <param name="GroundTruthMatches">[T][G] matched detection id, 0 for none, in <paramref name="GroundTruthIds"/> order</param>
/// <param name="Ious">[D][G] rows in score order, columns in file order (not ignore-last)</param>
public sealed record ImageEvaluation(
    long ImageId,
    int CategoryId,
    long[] DetectionIds,
    long[] GroundTruthIds,
    double[] DetectionScores,
    long[][] DetectionMatches,
    long[][] GroundTruthMatches,
    bool[][] DetectionIgnore,
    bool[] GroundTruthIgnore,
    double[][] Ious);

/// <summary>Collects the match ids that the flags alone do not keep.</summary>
internal sealed class RecordBuilder(int thresholds, int detections, int groundTruths)
{
    private readonly long[][] _detectionMatches = NewJagged(thresholds, detections);
    private readonly long[][] _groundTruthMatchesByFileOrder = NewJagged(thresholds, groundTruths);

    public void SetMatch(int threshold, int detection, int groundTruth, long groundTruthId, long detectionId)
    {
        _detectionMatches[threshold][detection] = groundTruthId;
        _groundTruthMatchesByFileOrder[threshold][groundTruth] = detectionId;
    }

    public ImageEvaluation Build(
        EvaluationInput input, int cellCategory, int image, ReadOnlySpan<int> gtItems, int[] dts, bool[] gtIgnore, int[] gtOrder,
        ReadOnlySpan<byte> flagsOfFirstArea, double[] ious)
    {
        var g = gtItems.Length;
        var d = dts.Length;
        var gtIds = new long[g];
        var gtIgnoreSorted = new bool[g];
        for (var s = 0; s < g; s++)
        {
            gtIds[s] = input.GroundTruths[gtItems[gtOrder[s]]].Id;
            gtIgnoreSorted[s] = gtIgnore[gtOrder[s]];
        }

        var gtMatches = NewJagged(thresholds, g);
        var dtIgnore = new bool[thresholds][];
        for (var t = 0; t < thresholds; t++)
        {
            for (var s = 0; s < g; s++)
            {
                gtMatches[t][s] = _groundTruthMatchesByFileOrder[t][gtOrder[s]];
            }

            dtIgnore[t] = new bool[d];
            for (var i = 0; i < d; i++)
            {
                dtIgnore[t][i] = (flagsOfFirstArea[t * d + i] & CellEvaluation.Ignored) != 0;
            }
        }

        var iouRows = new double[ious.Length == 0 ? 0 : d][];
        for (var i = 0; i < iouRows.Length; i++)
        {
            iouRows[i] = ious.AsSpan(i * g, g).ToArray();
        }

        return new ImageEvaluation(
            input.ImageIds[image],
            input.UseCategories ? input.CategoryIds[cellCategory] : -1,
            [.. dts.Select(i => input.Detections[i].Id)],
            gtIds,
            [.. dts.Select(i => input.Detections[i].Score)],
            _detectionMatches,
            gtMatches,
            dtIgnore,
            gtIgnoreSorted,
            iouRows);
    }

    private static long[][] NewJagged(int rows, int columns)
    {
        var result = new long[rows][];
        for (var r = 0; r < rows; r++)
        {
            result[r] = new long[columns];
        }

        return result;
    }
}

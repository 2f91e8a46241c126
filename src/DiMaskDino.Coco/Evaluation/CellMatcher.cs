using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// pycocotools' computeIoU + evaluateImg for one cell, all area ranges at once. Pure: depends only
/// on the cell's own ground truths and detections, so cells run in parallel.
/// </summary>
internal sealed class CellMatcher(EvaluationInput input, CocoEvalParameters parameters, bool keepRecords)
{
    public CellEvaluation? Evaluate(int cellCategory, int image)
    {
        var gtItems = input.GroundTruthsOf(cellCategory, image);
        var dtItems = input.DetectionsOf(cellCategory, image);
        if (gtItems.Length == 0 && dtItems.Length == 0)
        {
            return null;
        }

        var dts = SortByScore(dtItems);
        int g = gtItems.Length, d = dts.Length, t = parameters.IouThresholds.Count, areas = parameters.AreaRanges.Count;
        var ious = g > 0 && d > 0 ? ComputeIous(gtItems, dts, image) : [];

        var scores = new double[d];
        for (var i = 0; i < d; i++)
        {
            scores[i] = input.Detections[dts[i]].Score;
        }

        var flags = new byte[areas * t * d];
        var nonIgnored = new int[areas];
        var gtIgnore = new bool[g];
        var gtOrder = new int[g];
        var gtMatch = new int[g];
        ImageEvaluation? record = null;
        for (var a = 0; a < areas; a++)
        {
            var range = parameters.AreaRanges[a];
            nonIgnored[a] = OrderGroundTruths(gtItems, range, gtIgnore, gtOrder);
            var recordMatches = keepRecords && a == 0 ? new RecordBuilder(t, d, g) : null;
            for (var ti = 0; ti < t; ti++)
            {
                var cellFlags = flags.AsSpan((a * t + ti) * d, d);
                MatchAtThreshold(parameters.IouThresholds[ti], gtItems, dts, ious, gtIgnore, gtOrder, gtMatch, cellFlags, recordMatches, ti);
                for (var i = 0; i < d; i++)
                {
                    var area = input.Detections[dts[i]].Area;
                    if ((cellFlags[i] & CellEvaluation.Matched) == 0 && (area < range.Min || area > range.Max))
                    {
                        cellFlags[i] |= CellEvaluation.Ignored;
                    }
                }
            }

            if (recordMatches is not null)
            {
                record = recordMatches.Build(input, cellCategory, image, gtItems, dts, gtIgnore, gtOrder, flags.AsSpan(0, t * d), ious);
            }
        }

        return new CellEvaluation(scores, flags, nonIgnored, record);
    }

    /// <summary>Stable sort by descending score, cut to the last max-detections value.</summary>
    private int[] SortByScore(ReadOnlySpan<int> dtItems)
    {
        var entries = new RankedDetections.Entry[dtItems.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new RankedDetections.Entry(input.Detections[dtItems[i]].Score, dtItems[i]);
        }

        // Detection indices grow with file position, so (score desc, index asc) is the stable order.
        entries.AsSpan().Sort(new RankedDetections.EntryComparer());
        var keep = Math.Min(entries.Length, parameters.MaxDetectionsPerImage);
        var order = new int[keep];
        for (var i = 0; i < keep; i++)
        {
            order[i] = entries[i].Index;
        }

        return order;
    }

    /// <summary>IoU matrix [D, G]: rows in score order, columns in the cell's file order.</summary>
    private double[] ComputeIous(ReadOnlySpan<int> gtItems, int[] dts, int image)
    {
        var ious = new double[dts.Length * gtItems.Length];
        var crowd = new bool[gtItems.Length];
        for (var j = 0; j < gtItems.Length; j++)
        {
            crowd[j] = input.GroundTruths[gtItems[j]].IsCrowd;
        }

        if (parameters.IouType == IouType.Bbox)
        {
            var gtBoxes = new BoundingBox[gtItems.Length];
            var dtBoxes = new BoundingBox[dts.Length];
            for (var j = 0; j < gtBoxes.Length; j++)
            {
                gtBoxes[j] = input.GroundTruths[gtItems[j]].Box;
            }

            for (var i = 0; i < dtBoxes.Length; i++)
            {
                dtBoxes[i] = input.Detections[dts[i]].Box;
            }

            Rle.BoxIou(dtBoxes, gtBoxes, crowd, ious);
            return ious;
        }

        int height = input.ImageHeights[image], width = input.ImageWidths[image];
        var gtMasks = new RleMask[gtItems.Length];
        var dtMasks = new RleMask[dts.Length];
        for (var j = 0; j < gtMasks.Length; j++)
        {
            var gt = input.GroundTruths[gtItems[j]];
            gtMasks[j] = MaskSource.ToRle(gt.Segmentation, height, width, $"ground-truth annotation {gt.Id}");
        }

        for (var i = 0; i < dtMasks.Length; i++)
        {
            var dt = input.Detections[dts[i]];
            dtMasks[i] = dt.Mask ?? MaskSource.ToRle(dt.Segmentation, height, width, $"detection #{dt.Id - 1}");
        }

        Rle.Iou(dtMasks, gtMasks, crowd, ious);
        return ious;
    }

    /// <summary>Marks ignored ground truths and orders them non-ignored first (stable); returns the non-ignored count.</summary>
    private int OrderGroundTruths(ReadOnlySpan<int> gtItems, AreaRange range, bool[] gtIgnore, int[] gtOrder)
    {
        var next = 0;
        for (var j = 0; j < gtItems.Length; j++)
        {
            var gt = input.GroundTruths[gtItems[j]];
            gtIgnore[j] = gt.IsCrowd || gt.Area < range.Min || gt.Area > range.Max;
            if (!gtIgnore[j])
            {
                gtOrder[next++] = j;
            }
        }

        var nonIgnored = next;
        for (var j = 0; j < gtItems.Length; j++)
        {
            if (gtIgnore[j])
            {
                gtOrder[next++] = j;
            }
        }

        return nonIgnored;
    }

    /// <summary>
    /// Greedy matching in score order: the best-IoU ground truth at or above the threshold that is
    /// still free (crowds never fill up); once a non-ignored match is held, ignored ones are not tried;
    /// among equal IoUs the later ground truth wins.
    /// </summary>
    private void MatchAtThreshold(
        double threshold, ReadOnlySpan<int> gtItems, int[] dts, double[] ious, bool[] gtIgnore, int[] gtOrder, int[] gtMatch,
        Span<byte> flags, RecordBuilder? record, int ti)
    {
        var g = gtItems.Length;
        Array.Fill(gtMatch, -1, 0, g);
        if (ious.Length == 0)
        {
            return;
        }

        for (var i = 0; i < dts.Length; i++)
        {
            var best = Math.Min(threshold, 1 - 1e-10);
            var m = -1;
            for (var s = 0; s < g; s++)
            {
                var j = gtOrder[s];
                if (gtMatch[j] >= 0 && !input.GroundTruths[gtItems[j]].IsCrowd)
                {
                    continue;
                }

                if (m > -1 && !gtIgnore[m] && gtIgnore[j])
                {
                    break;
                }

                var iou = ious[i * g + j];
                if (iou < best)
                {
                    continue;
                }

                best = iou;
                m = j;
            }

            if (m == -1)
            {
                continue;
            }

            gtMatch[m] = i;
            var gtId = input.GroundTruths[gtItems[m]].Id;
            // pycocotools stores matches as ids with 0 meaning "none": a ground truth with id 0 counts as unmatched.
            flags[i] = (byte)((gtId != 0 ? CellEvaluation.Matched : 0) | (gtIgnore[m] ? CellEvaluation.Ignored : 0));
            record?.SetMatch(ti, i, m, gtId, input.Detections[dts[i]].Id);
        }
    }
}

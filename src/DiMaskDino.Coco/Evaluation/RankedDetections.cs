namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// The detections of one category over all images, ranked as pycocotools' accumulate ranks them: the
/// first maxDet of every image concatenated in image order, then stable-sorted by descending score
/// (ties resolve by image, then by rank inside the image). Flags are gathered into rows per
/// (area, IoU threshold) so the precision/recall sweep reads contiguous memory.
/// </summary>
internal sealed class RankedDetections
{
    private RankedDetections(double[] scores, byte[] flags)
    {
        Scores = scores;
        Flags = flags;
    }

    public int Count => Scores.Length;

    public double[] Scores { get; }

    /// <summary>[A·T, Count]: the cell flags of each ranked detection.</summary>
    public byte[] Flags { get; }

    public ReadOnlySpan<byte> FlagRow(int row) => Flags.AsSpan(row * Count, Count);

    /// <summary>
    /// Ranks all kept detections once (largest maxDet); smaller maxDet rankings are the same order
    /// restricted to detections ranked below maxDet in their image, because a stable sort of a subset is
    /// the subset of the stable sort.
    /// </summary>
    public static Ranking Rank(List<CellEvaluation> cells)
    {
        var total = 0;
        foreach (var cell in cells)
        {
            total += cell.Scores.Length;
        }

        var entries = new Entry[total];
        var cellOf = new int[total];
        var positionOf = new int[total];
        var n = 0;
        for (var c = 0; c < cells.Count; c++)
        {
            var scores = cells[c].Scores;
            for (var i = 0; i < scores.Length; i++, n++)
            {
                entries[n] = new Entry(scores[i], n);
                cellOf[n] = c;
                positionOf[n] = i;
            }
        }

        entries.AsSpan().Sort(new EntryComparer());
        return new Ranking(entries, cellOf, positionOf);
    }

    public static RankedDetections Create(List<CellEvaluation> cells, Ranking ranking, int maxDetections, int rows)
    {
        var count = 0;
        foreach (var entry in ranking.Entries)
        {
            if (ranking.Positions[entry.Index] < maxDetections)
            {
                count++;
            }
        }

        var scores = new double[count];
        var flags = new byte[rows * count];
        var n = 0;
        foreach (var entry in ranking.Entries)
        {
            var position = ranking.Positions[entry.Index];
            if (position >= maxDetections)
            {
                continue;
            }

            var cell = cells[ranking.Cells[entry.Index]];
            var d = cell.Scores.Length;
            scores[n] = entry.Score;
            for (var row = 0; row < rows; row++)
            {
                flags[row * count + n] = cell.Flags[row * d + position];
            }

            n++;
        }

        return new RankedDetections(scores, flags);
    }

    internal readonly record struct Entry(double Score, int Index);

    internal sealed record Ranking(Entry[] Entries, int[] Cells, int[] Positions);

    /// <summary>Descending score, then concatenation position: the order of a stable sort.</summary>
    internal readonly struct EntryComparer : IComparer<Entry>
    {
        public int Compare(Entry x, Entry y)
        {
            var byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Index.CompareTo(y.Index);
        }
    }
}

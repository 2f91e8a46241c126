namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// The first maxDet detections of every image of one category, concatenated in image order and
/// stable-sorted by descending score: ties resolve by image, then by rank inside the image.
/// </summary>
internal sealed class RankedDetections
{
    private RankedDetections(int[] cells, int[] positions, double[] scores)
    {
        Cells = cells;
        Positions = positions;
        Scores = scores;
    }

    public int Count => Scores.Length;

    /// <summary>Index into the category's present cells.</summary>
    public int[] Cells { get; }

    /// <summary>Position inside the cell's score-sorted detections.</summary>
    public int[] Positions { get; }

    public double[] Scores { get; }

    public static RankedDetections Create(List<CellEvaluation> cells, int maxDetections)
    {
        var total = 0;
        foreach (var cell in cells)
        {
            total += Math.Min(cell.Scores.Length, maxDetections);
        }

        var scores = new double[total];
        var cellOf = new int[total];
        var positionOf = new int[total];
        var n = 0;
        for (var c = 0; c < cells.Count; c++)
        {
            var take = Math.Min(cells[c].Scores.Length, maxDetections);
            for (var i = 0; i < take; i++, n++)
            {
                scores[n] = cells[c].Scores[i];
                cellOf[n] = c;
                positionOf[n] = i;
            }
        }

        var order = new int[total];
        for (var i = 0; i < total; i++)
        {
            order[i] = i;
        }

        // Descending score, then concatenation position: the same order as a stable sort.
        Array.Sort(order, (x, y) =>
        {
            var byScore = scores[y].CompareTo(scores[x]);
            return byScore != 0 ? byScore : x.CompareTo(y);
        });

        var sortedScores = new double[total];
        var sortedCells = new int[total];
        var sortedPositions = new int[total];
        for (var i = 0; i < total; i++)
        {
            sortedScores[i] = scores[order[i]];
            sortedCells[i] = cellOf[order[i]];
            sortedPositions[i] = positionOf[order[i]];
        }

        return new RankedDetections(sortedCells, sortedPositions, sortedScores);
    }
}

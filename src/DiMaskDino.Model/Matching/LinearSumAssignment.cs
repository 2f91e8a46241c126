// Optimal assignment for rectangular cost matrices: the "linear sum assignment" step of the Hungarian matcher
// (model.md §9.1). Our own implementation of the shortest-augmenting-path method with dual potentials
// (Jonker–Volgenant family, in the rectangular form described by D. F. Crouse, "On implementing 2D rectangular
// assignment algorithms", IEEE TAES 2016, which scipy.optimize.linear_sum_assignment also follows). Pure managed code,
// deterministic: the same matrix always gives the same assignment, ties included.
namespace DiMaskDino.Model.Matching;

/// <summary>
/// A minimum-cost assignment: row <c>Rows[k]</c> is assigned to column <c>Columns[k]</c>. Exactly
/// min(rows, columns) pairs, rows strictly increasing.
/// </summary>
public sealed record Assignment(int[] Rows, int[] Columns)
{
    public static Assignment Empty { get; } = new([], []);

    public int Count => Rows.Length;
}

/// <summary>Minimum-cost one-to-one assignment of rows to columns (each used at most once).</summary>
public static class LinearSumAssignment
{
    /// <param name="cost">[rows, columns] finite costs</param>
    /// <returns>min(rows, columns) pairs minimising the summed cost, sorted by row.</returns>
    /// <exception cref="ArgumentException">an entry is NaN or infinite.</exception>
    public static Assignment Solve(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        var flat = new double[rows * columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                flat[i * columns + j] = cost[i, j];
            }
        }

        return Solve(flat, rows, columns);
    }

    /// <param name="cost">row-major [rows · columns] finite costs</param>
    /// <param name="rows">number of rows (e.g. predictions)</param>
    /// <param name="columns">number of columns (e.g. ground-truth objects)</param>
    /// <returns>min(rows, columns) pairs minimising the summed cost, sorted by row.</returns>
    /// <exception cref="ArgumentException">an entry is NaN or infinite, or the length is not rows · columns.</exception>
    public static Assignment Solve(ReadOnlySpan<double> cost, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (cost.Length != (long)rows * columns)
        {
            throw new ArgumentException($"cost has {cost.Length} entries, expected {rows}·{columns}", nameof(cost));
        }

        for (var k = 0; k < cost.Length; k++)
        {
            if (!double.IsFinite(cost[k]))
            {
                throw new ArgumentException(
                    $"cost matrix entry ({k / columns}, {k % columns}) is {cost[k]}; every cost must be finite",
                    nameof(cost));
            }
        }

        if (rows == 0 || columns == 0)
        {
            return Assignment.Empty;
        }

        if (rows <= columns)
        {
            var columnForRow = SolveWide(cost, rows, columns);
            return new Assignment(Enumerable.Range(0, rows).ToArray(), columnForRow);
        }

        // More rows than columns: solve the transposed problem (columns become rows), then sort the pairs by row.
        var transposed = new double[cost.Length];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                transposed[j * rows + i] = cost[i * columns + j];
            }
        }

        var rowForColumn = SolveWide(transposed, columns, rows);
        var order = Enumerable.Range(0, columns).OrderBy(j => rowForColumn[j]).ToArray();
        return new Assignment(order.Select(j => rowForColumn[j]).ToArray(), order);
    }

    /// <summary>
    /// Assigns every row of a [rows, columns] matrix with rows ≤ columns. Rows are added one at a time; for each, a
    /// Dijkstra-style search on reduced costs c(i, j) − u(i) − v(j) finds the cheapest alternating path ending in a
    /// free column, the dual potentials u, v are updated so reduced costs stay non-negative, and the assignment is
    /// flipped along the path. Costs must be finite (checked by the caller), so a free column is always reachable.
    /// </summary>
    /// <returns>the column of each row.</returns>
    private static int[] SolveWide(ReadOnlySpan<double> cost, int rows, int columns)
    {
        var rowPotential = new double[rows];
        var columnPotential = new double[columns];
        var pathCost = new double[columns]; // shortest reduced path length from the new row to each column
        var previousRow = new int[columns]; // row preceding each column on its shortest path
        var columnForRow = new int[rows];
        var rowForColumn = new int[columns];
        var rowReached = new bool[rows];
        var columnReached = new bool[columns];
        var unreached = new int[columns]; // columns not yet settled in the current search
        Array.Fill(columnForRow, -1);
        Array.Fill(rowForColumn, -1);

        for (var newRow = 0; newRow < rows; newRow++)
        {
            Array.Fill(pathCost, double.PositiveInfinity);
            Array.Clear(rowReached);
            Array.Clear(columnReached);
            var unreachedCount = columns;
            for (var k = 0; k < columns; k++)
            {
                unreached[k] = columns - 1 - k;
            }

            var settledLength = 0.0;
            var row = newRow;
            var sink = -1;
            while (sink < 0)
            {
                rowReached[row] = true;
                var bestSlot = -1;
                var lowest = double.PositiveInfinity;
                for (var k = 0; k < unreachedCount; k++)
                {
                    var j = unreached[k];
                    var reduced = settledLength + cost[row * columns + j] - rowPotential[row] - columnPotential[j];
                    if (reduced < pathCost[j])
                    {
                        previousRow[j] = row;
                        pathCost[j] = reduced;
                    }

                    // On equal length prefer a free column: it ends the search sooner (matters for integer costs).
                    if (pathCost[j] < lowest || (pathCost[j] == lowest && rowForColumn[j] < 0))
                    {
                        lowest = pathCost[j];
                        bestSlot = k;
                    }
                }

                settledLength = lowest;
                var column = unreached[bestSlot];
                columnReached[column] = true;
                unreached[bestSlot] = unreached[--unreachedCount];
                if (rowForColumn[column] < 0)
                {
                    sink = column;
                }
                else
                {
                    row = rowForColumn[column];
                }
            }

            // Dual update: keeps reduced costs non-negative and zero on the (new) assignment.
            rowPotential[newRow] += settledLength;
            for (var i = 0; i < rows; i++)
            {
                if (rowReached[i] && i != newRow)
                {
                    rowPotential[i] += settledLength - pathCost[columnForRow[i]];
                }
            }

            for (var j = 0; j < columns; j++)
            {
                if (columnReached[j])
                {
                    columnPotential[j] -= settledLength - pathCost[j];
                }
            }

            // Flip the alternating path: each row on it takes the next column towards the sink.
            var current = sink;
            while (true)
            {
                var i = previousRow[current];
                rowForColumn[current] = i;
                (columnForRow[i], current) = (current, columnForRow[i]);
                if (i == newRow)
                {
                    break;
                }
            }
        }

        return columnForRow;
    }
}

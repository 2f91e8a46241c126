// LinearSumAssignment against brute force, ties, rectangular shapes and invalid input (model.md §9.1).
using DiMaskDino.Model.Matching;

namespace DiMaskDino.Model.Tests.Matching;

public sealed class LinearSumAssignmentTests
{
    [Fact]
    public void Solves_the_textbook_three_by_three_example()
    {
        var assignment = LinearSumAssignment.Solve(new double[,] { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } });

        Assert.Equal([0, 1, 2], assignment.Rows);
        Assert.Equal([1, 0, 2], assignment.Columns);
    }

    [Fact]
    public void Matches_brute_force_on_random_real_valued_matrices_of_every_small_shape()
    {
        var random = new Random(1234);
        for (var rows = 1; rows <= 6; rows++)
        {
            for (var columns = 1; columns <= 6; columns++)
            {
                for (var trial = 0; trial < 12; trial++)
                {
                    var cost = RandomMatrix(random, rows, columns, () => random.NextDouble() * 20 - 10);
                    AssertOptimal(cost);
                }
            }
        }
    }

    [Fact]
    public void Matches_brute_force_on_matrices_full_of_ties()
    {
        var random = new Random(99);
        for (var rows = 1; rows <= 6; rows++)
        {
            for (var columns = 1; columns <= 6; columns++)
            {
                for (var trial = 0; trial < 12; trial++)
                {
                    var cost = RandomMatrix(random, rows, columns, () => random.Next(0, 3));
                    AssertOptimal(cost);
                }
            }
        }

        AssertOptimal(new double[4, 5]); // all zero
    }

    [Fact]
    public void Same_matrix_gives_the_same_assignment_every_time()
    {
        var cost = RandomMatrix(new Random(5), 5, 7, () => 1.0); // every assignment ties
        var first = LinearSumAssignment.Solve(cost);

        for (var repeat = 0; repeat < 3; repeat++)
        {
            var again = LinearSumAssignment.Solve(cost);
            Assert.Equal(first.Rows, again.Rows);
            Assert.Equal(first.Columns, again.Columns);
        }
    }

    [Fact]
    public void Tall_matrix_assigns_every_column_and_reports_pairs_sorted_by_row()
    {
        // 4 predictions, 2 targets: prediction 3 fits target 0, prediction 1 fits target 1.
        var cost = new double[,] { { 5, 5 }, { 9, 0 }, { 5, 5 }, { 0, 9 } };

        var assignment = LinearSumAssignment.Solve(cost);

        Assert.Equal([1, 3], assignment.Rows);
        Assert.Equal([1, 0], assignment.Columns);
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void Non_finite_costs_are_rejected_with_a_clear_error(double bad)
    {
        var cost = new double[,] { { 1, 2 }, { 3, bad } };

        var error = Assert.Throws<ArgumentException>(() => LinearSumAssignment.Solve(cost));

        Assert.Contains("(1, 1)", error.Message);
        Assert.Contains("finite", error.Message);
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(4, 0)]
    [InlineData(0, 0)]
    public void Empty_dimension_gives_an_empty_assignment(int rows, int columns)
    {
        var assignment = LinearSumAssignment.Solve(new double[rows, columns]);

        Assert.Equal(0, assignment.Count);
        Assert.Empty(assignment.Columns);
    }

    [Fact]
    public void Span_length_must_match_the_shape()
    {
        Assert.Throws<ArgumentException>(() => LinearSumAssignment.Solve(new double[5], 2, 3));
    }

    private static double[,] RandomMatrix(Random random, int rows, int columns, Func<double> next)
    {
        var cost = new double[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                cost[i, j] = next();
            }
        }

        return cost;
    }

    private static void AssertOptimal(double[,] cost)
    {
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        var assignment = LinearSumAssignment.Solve(cost);

        Assert.Equal(Math.Min(rows, columns), assignment.Count);
        Assert.Equal(assignment.Count, assignment.Columns.Length);
        Assert.True(assignment.Rows.Zip(assignment.Rows.Skip(1)).All(p => p.First < p.Second), "rows strictly increasing");
        Assert.All(assignment.Rows, r => Assert.InRange(r, 0, rows - 1));
        Assert.All(assignment.Columns, c => Assert.InRange(c, 0, columns - 1));
        Assert.Equal(assignment.Count, assignment.Columns.Distinct().Count());

        var achieved = assignment.Rows.Zip(assignment.Columns).Sum(p => cost[p.First, p.Second]);
        Assert.Equal(BruteForceMinimum(cost), achieved, 9);
    }

    /// <summary>Minimum over every injective map of the smaller side into the larger one.</summary>
    private static double BruteForceMinimum(double[,] cost)
    {
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        var transposed = rows > columns;
        var small = transposed ? columns : rows;
        var large = transposed ? rows : columns;
        var used = new bool[large];
        var best = double.PositiveInfinity;

        void Extend(int index, double sum)
        {
            if (index == small)
            {
                best = Math.Min(best, sum);
                return;
            }

            for (var k = 0; k < large; k++)
            {
                if (used[k])
                {
                    continue;
                }

                used[k] = true;
                Extend(index + 1, sum + (transposed ? cost[k, index] : cost[index, k]));
                used[k] = false;
            }
        }

        Extend(0, 0);
        return best;
    }
}

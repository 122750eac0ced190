using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Solver.Inference.Algebra;

namespace Solver.Tests;

public class AlgebraTests
{
    private static Rational R(int n, int d = 1) => new(n, d);

    // ---- properties: random coefficients, and the roots satisfy the equation exactly ----

    [Property(MaxTest = 300)]
    public bool Linear_root_satisfies_the_equation_exactly(NonZeroInt a, int b, int c, PositiveInt d)
    {
        var text = $"{a.Get}x/{d.Get} + {b} = {c}";
        var s = EquationSolver.Solve(text);
        var root = Rational.Parse(s.Solutions.Single());
        return R(a.Get) * root / R(d.Get) + R(b) == R(c);
    }

    [Property(MaxTest = 300)]
    public bool Quadratic_with_rational_roots_finds_both_exactly(int p1, PositiveInt q1, int p2, PositiveInt q2, NonZeroInt k)
    {
        var r1 = new Rational(p1, q1.Get); var r2 = new Rational(p2, q2.Get);
        var poly = Rational.One * new Polynomial(-r1, 1) * new Polynomial(-r2, 1);
        poly = R(k.Get) * poly;
        var s = EquationSolver.Solve(poly.ToString("t") + " = 0");
        var roots = s.Solutions.Select(Rational.Parse).ToHashSet();
        return roots.SetEquals(new[] { r1, r2 }) && roots.All(r => poly.Evaluate(r).IsZero);
    }

    [Property(MaxTest = 300)]
    public bool Quadratic_surd_and_complex_roots_satisfy_the_equation(NonZeroInt a, int b, int c)
    {
        var s = EquationSolver.Solve($"{a.Get}y^2 + {b}y + {c} = 0");
        foreach (var root in s.Solutions)
        {
            var z = EvaluateRoot(root);
            var value = a.Get * z * z + b * z + c;
            if (value.Magnitude > 1e-9 * (1 + Math.Abs(a.Get) * z.Magnitude * z.Magnitude + Math.Abs(b) * z.Magnitude + Math.Abs(c))) return false;
        }
        bool negativeDiscriminant = (long)b * b - 4L * a.Get * c < 0;
        return s.Solutions.Count is 1 or 2 && s.OnlyComplexRoots == negativeDiscriminant;
    }

    [Property(MaxTest = 100)]
    public bool Cubic_with_integer_roots_finds_every_root(int r1, int r2, int r3)
    {
        var poly = new Polynomial(-R(r1), 1) * new Polynomial(-R(r2), 1) * new Polynomial(-R(r3), 1);
        var s = EquationSolver.Solve(poly.ToString("z") + " = 0");
        var roots = s.Solutions.Select(Rational.Parse).ToHashSet();
        return roots.SetEquals(new[] { R(r1), R(r2), R(r3) }) && !s.OnlyComplexRoots;
    }

    [Property(MaxTest = 300)]
    public bool Printed_text_parses_back_to_the_same_value(int a, int b, PositiveInt c, NonNegativeInt e)
    {
        var text = $"({a}-{b}x)^{e.Get % 4}/{c.Get} - x*{a}";
        var tree = Parser.Parse(text).Left;
        var again = Parser.Parse(ExprFormat.Text(tree)).Left;
        var p = RationalFunction.From(tree, "x");
        var q = RationalFunction.From(again, "x");
        return p.AsPolynomial().ToString() == q.AsPolynomial().ToString();
    }

    /// <summary>Evaluates a root string the solver printed ("(-3+sqrt(5))/2", "1-2i", "i*sqrt(3)/2") as a complex number.</summary>
    private static Complex EvaluateRoot(string root)
    {
        // i is a unit: replace it by a marker variable, then evaluate real and imaginary parts separately.
        var t = root.Replace("i*", "j*").Replace("i", "*j").Replace("(*j", "(j").Replace("-*j", "-j").Replace("+*j", "+j");
        if (t.StartsWith("*j")) t = t[1..];
        var tree = Parser.Parse(t).Left;
        // j is the only variable: Numeric(tree, x) evaluates with j = x.
        double re = EquationSolver.Numeric(tree, 0);
        double im = EquationSolver.Numeric(tree, 1) - re;
        return new Complex(re, im);
    }

    // ---- examples ----

    [Theory]
    [InlineData("2x+3=7", "2")]
    [InlineData("3(x+1)=2x-5", "-8")]
    [InlineData("x/4 - 1/2 = 1", "6")]
    [InlineData("2y = 5", "5/2")]
    [InlineData("x^2-x-6=0", "-2,3")]
    [InlineData("2x^2+5x=3", "-3,1/2")]
    [InlineData("x^2-2x-1=0", "1+sqrt(2),1-sqrt(2)")]
    [InlineData("2x^2-6x+3=0", "(3+sqrt(3))/2,(3-sqrt(3))/2")]
    [InlineData("x^2+1=0", "i,-i")]
    [InlineData("x^2+2x+5=0", "-1+2i,-1-2i")]
    [InlineData("x^2-4x+4=0", "2")]
    [InlineData("x^3-6x^2+11x-6=0", "1,2,3")]
    [InlineData("x^3=8", "2,-1+i*sqrt(3),-1-i*sqrt(3)")]
    [InlineData("x^4-5x^2+4=0", "-2,-1,1,2")]
    [InlineData("1/x=2", "1/2")]
    [InlineData("sin(x)=1/2", "pi/6+2k*pi,5pi/6+2k*pi")]
    [InlineData("cos(x)=0", "pi/2+k*pi")]
    [InlineData("tan(x)=1", "pi/4+k*pi")]
    [InlineData("2sin(x)=-1", "")]
    [InlineData("sin(2x)=1", "pi/4+k*pi")]
    public void Equations_have_the_exact_solutions(string equation, string expected)
    {
        if (expected == "") { Assert.Throws<AlgebraException>(() => EquationSolver.Solve(equation)); return; }
        var s = EquationSolver.Solve(equation);
        Assert.Equal(SolutionKind.Roots, s.Kind);
        Assert.Equal(expected.Split(','), s.Solutions);
        Assert.NotEmpty(s.Steps);
    }

    [Fact]
    public void A_quintic_without_rational_roots_is_solved_numerically_to_1e_9()
    {
        var s = EquationSolver.Solve("x^5 - x - 1 = 0");
        var real = s.Solutions.Where(r => !r.Contains('i')).Select(r => double.Parse(r, System.Globalization.CultureInfo.InvariantCulture)).Single();
        Assert.True(Math.Abs(Math.Pow(real, 5) - real - 1) < 1e-8);
        Assert.Equal(5, s.Solutions.Count);
        Assert.False(s.OnlyComplexRoots);
        // x^4 + x + 1 has no rational root and no real one: its four roots are two complex pairs.
        var quartic = EquationSolver.Solve("x^4 + x + 1 = 0");
        Assert.Equal(4, quartic.Solutions.Count);
        Assert.True(quartic.OnlyComplexRoots);
    }

    [Theory]
    [InlineData("36/2*6-4", "104")]
    [InlineData("3x^2+5x^2", "8x^2")]
    [InlineData("1/3+1/6", "1/2")]
    [InlineData("2^10", "1024")]
    [InlineData("-(3-5)*2", "4")]
    [InlineData("(x+1)^2", "x^2 + 2x + 1")]
    [InlineData("sqrt(16)+1", "5")]
    public void Expressions_without_equals_are_evaluated_or_simplified(string text, string value)
    {
        var s = EquationSolver.Solve(text);
        Assert.Equal(SolutionKind.Value, s.Kind);
        Assert.Equal(value, s.Value);
    }

    [Fact]
    public void No_solution_and_every_value_are_stated_clearly()
    {
        Assert.Equal(SolutionKind.NoSolution, EquationSolver.Solve("x=x+1").Kind);
        var all = EquationSolver.Solve("2(x+1)=2x+2");
        Assert.Equal(SolutionKind.AllValues, all.Kind);
        Assert.Contains("every value", all.Message);
        Assert.Equal(SolutionKind.NoSolution, EquationSolver.Solve("x/(x-1)=1/(x-1)").Kind); // x = 1 is excluded
        Assert.Equal(SolutionKind.NoSolution, EquationSolver.Solve("sin(x)=2").Kind);
    }

    [Theory]
    [InlineData("x+y=2", "two unknowns (x and y)")]
    [InlineData("x^x=2", "exponent that contains the unknown")]
    [InlineData("5/0", "division by zero")]
    public void Unsolvable_input_names_the_problem(string text, string message) =>
        Assert.Contains(message, Assert.Throws<AlgebraException>(() => EquationSolver.Solve(text)).Message);

    [Theory]
    [InlineData("2x+=3", "'+' needs a term after it at character 4")]
    [InlineData("(2x+1=3", "missing ')' for the '(' at character 1")]
    [InlineData("2x+1)=3", "unexpected ')' at character 5")]
    [InlineData("x=1=2", "a second '='")]
    [InlineData("=3", "unexpected '='")]
    [InlineData("2x=", "right side of '=' is empty")]
    [InlineData("2 3", "two numbers side by side")]
    [InlineData("x^", "'^' needs an exponent")]
    [InlineData("", "empty")]
    [InlineData("2x ? 3", "unexpected character '?' at character 4")]
    public void Parse_errors_name_the_position(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ParseException>(() => Parser.Parse(text)).Message);

    [Theory]
    [InlineData("2x+3=7", "2x+3=7", "2x + 3 = 7")]
    [InlineData("3(x+1)", "3(x+1)", "3\\left(x + 1\\right)")]
    [InlineData("x^2-x/2", "x^2-x/2", "x^{2} - \\frac{x}{2}")]
    [InlineData("-x^2", "-x^2", "-x^{2}")]
    [InlineData("2*3", "2*3", "2 \\times 3")]
    [InlineData("a-(b-c)", "a-(b-c)", "a - \\left(b - c\\right)")]
    public void Parser_builds_trees_with_implicit_multiplication_and_precedence(string input, string text, string latex)
    {
        var s = Parser.Parse(input);
        Assert.Equal(text, ExprFormat.Text(s));
        Assert.Equal(latex, ExprFormat.Latex(s));
    }
}

using System.Globalization;
using System.Numerics;

namespace Solver.Inference.Algebra;

/// <summary>
/// Solves one equation in one unknown (whatever its letter) or evaluates an expression. Polynomial and rational
/// equations are solved exactly: linear, quadratic (surds, complex roots), higher degree by the rational root
/// theorem with the rest found numerically to 1e-9; sin/cos/tan(ax) = c for standard values with the general
/// solution. Every branch records its steps.
/// </summary>
public static class EquationSolver
{
    public static Solution Solve(string text) => Solve(Parser.Parse(text));

    public static Solution Solve(Statement s)
    {
        var variables = s.Left.Variables().Concat(s.Right?.Variables() ?? []).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList();
        if (variables.Count > 1)
            throw new AlgebraException($"two unknowns ({string.Join(" and ", variables)}): the solver takes one equation in one unknown");
        string? v = variables.FirstOrDefault();
        var steps = new List<string> { (s.Right is null ? "Expression: " : "Equation: ") + ExprFormat.Text(s) };
        return s.Right is null ? Evaluate(s.Left, v, steps) : SolveEquation(s.Left, s.Right, v, steps);
    }

    private static Solution Evaluate(Expr e, string? v, List<string> steps)
    {
        try
        {
            var rf = RationalFunction.From(e, v);
            string value = rf.IsPolynomial ? rf.AsPolynomial().ToString(v ?? "x") : $"({rf.Num.ToString(v!)})/({rf.Den.ToString(v!)})";
            steps.Add(v is null ? $"Evaluate exactly: {value}" : $"Collect like terms: {value}");
            if (v is null && !rf.AsPolynomial()[0].IsInteger) steps.Add($"As a decimal: {Decimal(rf.AsPolynomial()[0].ToDouble())}");
            return new Solution { Kind = SolutionKind.Value, Variable = v, Value = value, Steps = steps };
        }
        catch (NotAlgebraicException)
        {
            if (v is not null) throw new AlgebraException($"cannot simplify an expression with sin, cos, tan, sqrt or pi in the unknown {v}");
            double d = Numeric(e, 0);
            if (!double.IsFinite(d)) throw new AlgebraException("the value is not a finite real number");
            steps.Add($"Evaluate numerically: {Decimal(d)}");
            return new Solution { Kind = SolutionKind.Value, Value = Decimal(d), Steps = steps };
        }
    }

    private static Solution SolveEquation(Expr left, Expr right, string? v, List<string> steps)
    {
        RationalFunction rf;
        try
        {
            rf = RationalFunction.From(left, v) - RationalFunction.From(right, v);
        }
        catch (NotAlgebraicException)
        {
            return TrigSolver.Solve(left, right, v, steps);
        }
        if (v is null)
        {
            bool holds = rf.Num.IsZero;
            steps.Add(holds ? "Both sides are equal: the statement is true." : "The two sides differ: the statement is false.");
            return new Solution { Kind = holds ? SolutionKind.AllValues : SolutionKind.NoSolution, Message = holds ? "true" : "false", Steps = steps };
        }
        var n = rf.Num;
        var d = rf.Den;
        if (!rf.IsPolynomial)
        {
            steps.Add($"Multiply both sides by {Paren(d.ToString(v))}, which must not be 0: {n.ToString(v)} = 0");
        }
        else
        {
            n = rf.AsPolynomial();
            steps.Add($"Move every term to the left side: {n.ToString(v)} = 0");
        }

        var roots = new List<string>();
        var exact = new List<Rational>();
        var complex = new HashSet<string>();
        Solution Result(SolutionKind kind, string? message = null)
        {
            // A root of the denominator is not a solution of the original equation.
            if (!d.IsConstant)
            {
                foreach (var r in exact.Where(r => d.Evaluate(r).IsZero).ToList())
                {
                    steps.Add($"{v} = {r} makes a denominator 0, so it is not a solution");
                    roots.Remove(r.ToString());
                }
                if (kind == SolutionKind.Roots && roots.Count == 0) { kind = SolutionKind.NoSolution; message = "no solution"; }
            }
            // Rational roots first, ascending; surd and complex pairs after them, in ± order.
            var ordered = exact.Where(r => roots.Contains(r.ToString())).OrderBy(r => r).Select(r => r.ToString()).ToList();
            ordered.AddRange(roots.Where(r => !ordered.Contains(r)));
            roots.Clear();
            roots.AddRange(ordered);
            if (kind == SolutionKind.Roots) steps.Add(roots.Count == 1 ? $"Solution: {v} = {roots[0]}" : $"Solutions: {string.Join(", ", roots.Select(r => $"{v} = {r}"))}");
            return new Solution { Kind = kind, Variable = v, Solutions = roots, Message = message, Steps = steps,
                OnlyComplexRoots = kind == SolutionKind.Roots && roots.Count > 0 && roots.All(complex.Contains) };
        }

        switch (n.Degree)
        {
            case -1:
                steps.Add($"0 = 0 holds for every {v}");
                return Result(SolutionKind.AllValues, d.IsConstant ? $"every value of {v} is a solution" : $"every {v} where {d.ToString(v)} is not 0");
            case 0:
                steps.Add($"{n[0]} = 0 is false for every {v}");
                return Result(SolutionKind.NoSolution, "no solution");
            case 1:
                steps.Add($"{Coef(n[1], v)} = {-n[0]}");
                var root = -n[0] / n[1];
                if (n[1] != Rational.One) steps.Add($"Divide both sides by {n[1]}: {v} = {root}");
                exact.Add(root);
                roots.Add(root.ToString());
                return Result(SolutionKind.Roots);
            case 2:
                SolveQuadratic(n, v, steps, roots, exact, complex);
                return Result(SolutionKind.Roots);
            default:
                SolveHigher(n, v, steps, roots, exact, complex);
                return Result(roots.Count > 0 ? SolutionKind.Roots : SolutionKind.NoSolution, roots.Count > 0 ? null : "no solution");
        }
    }

    private static void SolveQuadratic(Polynomial p, string v, List<string> steps, List<string> roots, List<Rational> exact, HashSet<string> complex)
    {
        Rational a = p[2], b = p[1], c = p[0];
        var disc = b * b - 4 * a * c;
        steps.Add($"Quadratic with a = {a}, b = {b}, c = {c}");
        steps.Add($"Discriminant b^2 - 4ac = {disc}");
        steps.Add($"{v} = (-b ± sqrt(b^2 - 4ac)) / (2a)");
        var (plus, minus, real) = Surd.QuadraticRoots(a, b, c);
        if (disc.IsZero)
        {
            var r = -b / (2 * a);
            steps.Add($"The discriminant is 0: one double root");
            exact.Add(r);
            roots.Add(r.ToString());
            return;
        }
        if (!real) steps.Add("The discriminant is negative: two complex roots, no real solution");
        var (_, inside) = Surd.Sqrt(disc.Abs());
        if (real && inside.IsOne)
        {
            exact.Add(Rational.Parse(plus));
            exact.Add(Rational.Parse(minus));
        }
        roots.Add(plus);
        roots.Add(minus);
        if (!real) { complex.Add(plus); complex.Add(minus); }
    }

    private static void SolveHigher(Polynomial p, string v, List<string> steps, List<string> roots, List<Rational> exact, HashSet<string> complex)
    {
        // Rational root theorem on integer coefficients: any rational root is ±(divisor of a0)/(divisor of an).
        while (p.Degree >= 1 && p[0].IsZero)
        {
            steps.Add($"{v} = 0 is a root: divide by {v}");
            if (!exact.Contains(Rational.Zero)) { exact.Add(Rational.Zero); roots.Add("0"); }
            p = new Polynomial(p.Coefficients.Skip(1).ToArray());
        }
        if (p.Degree >= 3)
        {
            var ints = p.IntegerCoefficients();
            var candidates = Divisors(BigInteger.Abs(ints[0])).SelectMany(num => Divisors(BigInteger.Abs(ints[^1])).Select(den => new Rational(num, den)))
                .SelectMany(r => new[] { r, -r }).Distinct().OrderBy(r => r.Abs()).ThenBy(r => r.Sign).ToList();
            if (candidates.Count > 0) steps.Add($"Rational root theorem: try ±p/q with p dividing {ints[0]} and q dividing {ints[^1]}");
            foreach (var r in candidates)
            {
                while (p.Degree >= 1 && p.Evaluate(r).IsZero)
                {
                    p = p.DivideByRoot(r);
                    steps.Add($"{v} = {r} is a root: divide by ({v} - {r}) to get {p.ToString(v)}");
                    if (!exact.Contains(r)) { exact.Add(r); roots.Add(r.ToString()); }
                }
                if (p.Degree < 3) break;
            }
        }
        if (p.Degree == 2) SolveQuadratic(p, v, steps, roots, exact, complex);
        else if (p.Degree == 1)
        {
            var r = -p[0] / p[1];
            if (!exact.Contains(r)) { exact.Add(r); roots.Add(r.ToString()); }
        }
        else if (p.Degree >= 3)
        {
            steps.Add($"{p.ToString(v)} = 0 has no rational root: its roots are found numerically (Durand-Kerner, polished by Newton, to 1e-9)");
            foreach (var z in NumericRoots(p))
            {
                if (Math.Abs(z.Imaginary) < 1e-9) { roots.Add(Decimal(z.Real)); continue; }
                string root = $"{Decimal(z.Real)}{(z.Imaginary < 0 ? "-" : "+")}{Decimal(Math.Abs(z.Imaginary))}i";
                roots.Add(root);
                complex.Add(root);
            }
        }
    }

    private static IEnumerable<BigInteger> Divisors(BigInteger n)
    {
        if (n.IsZero) yield break;
        if (n > 1_000_000_000_000) throw new AlgebraException("coefficients too large for the rational root search");
        var large = new List<BigInteger>();
        for (BigInteger d = 1; d * d <= n; d++)
        {
            if (!(n % d).IsZero) continue;
            yield return d;
            if (d * d != n) large.Add(n / d);
        }
        for (int i = large.Count - 1; i >= 0; i--) yield return large[i];
    }

    /// <summary>All complex roots: Durand-Kerner iterations, then Newton polishing; real roots first, sorted.</summary>
    public static List<Complex> NumericRoots(Polynomial p)
    {
        int n = p.Degree;
        var lead = p.Leading.ToDouble();
        var coef = p.Coefficients.Select(c => c.ToDouble() / lead).ToArray();
        Complex Eval(Complex z) { Complex r = 0; for (int i = n; i >= 0; i--) r = r * z + coef[i]; return r; }
        Complex Deriv(Complex z) { Complex r = 0; for (int i = n; i >= 1; i--) r = r * z + i * coef[i]; return r; }
        double radius = 1 + coef.Take(n).Max(Math.Abs);
        var z = Enumerable.Range(0, n).Select(k => Complex.FromPolarCoordinates(radius * 0.9, 2 * Math.PI * k / n + 0.4)).ToArray();
        for (int iter = 0; iter < 2000; iter++)
        {
            double change = 0;
            for (int i = 0; i < n; i++)
            {
                Complex denom = 1;
                for (int j = 0; j < n; j++) if (j != i) denom *= z[i] - z[j];
                var delta = Eval(z[i]) / denom;
                z[i] -= delta;
                change = Math.Max(change, delta.Magnitude);
            }
            if (change < 1e-15) break;
        }
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 5; k++)
            {
                var dz = Deriv(z[i]);
                if (dz.Magnitude < 1e-300) break;
                z[i] -= Eval(z[i]) / dz;
            }
        return z.Select(r => Math.Abs(r.Imaginary) < 1e-10 * Math.Max(1, r.Magnitude) ? new Complex(r.Real, 0) : r)
            .OrderBy(r => r.Imaginary != 0).ThenBy(r => r.Real).ThenBy(r => r.Imaginary).ToList();
    }

    /// <summary>Evaluates with doubles, for expressions with sqrt, trig or pi.</summary>
    public static double Numeric(Expr e, double x) => e switch
    {
        Num n => n.Value.ToDouble(),
        Var => x,
        Pi => Math.PI,
        Neg n => -Numeric(n.Operand, x),
        Bin { Op: '+' } b => Numeric(b.Left, x) + Numeric(b.Right, x),
        Bin { Op: '-' } b => Numeric(b.Left, x) - Numeric(b.Right, x),
        Bin { Op: '*' } b => Numeric(b.Left, x) * Numeric(b.Right, x),
        Bin { Op: '/' } b => Numeric(b.Right, x) == 0 ? throw new AlgebraException("division by zero") : Numeric(b.Left, x) / Numeric(b.Right, x),
        Bin { Op: '^' } b => Math.Pow(Numeric(b.Left, x), Numeric(b.Right, x)),
        Func { Name: "sin" } f => Math.Sin(Numeric(f.Arg, x)),
        Func { Name: "cos" } f => Math.Cos(Numeric(f.Arg, x)),
        Func { Name: "tan" } f => Math.Tan(Numeric(f.Arg, x)),
        Func { Name: "sqrt" } f => Numeric(f.Arg, x) < 0 ? throw new AlgebraException("square root of a negative number") : Math.Sqrt(Numeric(f.Arg, x)),
        _ => throw new AlgebraException("cannot evaluate"),
    };

    public static string Decimal(double d)
    {
        var r = Math.Round(d, 10);
        if (r == 0) r = 0; // no "-0"
        return r.ToString("0.##########", CultureInfo.InvariantCulture);
    }

    private static string Coef(Rational a, string v) => a == Rational.One ? v : a == -Rational.One ? "-" + v : $"{a}{v}";
    private static string Paren(string s) => s.Contains(' ') ? $"({s})" : s;
}

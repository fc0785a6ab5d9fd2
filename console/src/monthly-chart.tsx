import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { AccountAnalytics } from './api-types.js';
import { formatMoney, formatMonth } from './format.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

// Blue and orange: told apart with any colour vision, both 3:1 or more against white.
const DEPOSITS = '#1d4ed8';
const WITHDRAWALS = '#c2410c';

/** Deposits against withdrawals per calendar month of one account, with the same figures as a table. */
export function MonthlyChart({ account }: { account: AccountAnalytics }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const months = account.months;

  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: months.map((m) => formatMonth(m.month)),
        datasets: [
          { label: 'Deposits', data: months.map((m) => Number(m.deposits)), backgroundColor: DEPOSITS },
          { label: 'Withdrawals', data: months.map((m) => Number(m.withdrawals)), backgroundColor: WITHDRAWALS },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${formatMoney(String(item.parsed.y))}` },
          },
        },
        scales: { y: { beginAtZero: true, ticks: { callback: (value) => formatMoney(String(value)) } } },
      },
    });
    return () => chart.destroy();
  }, [months]);

  const caption = `Deposits and withdrawals per month, account ${account.account_id}`;
  return (
    <figure class="chart">
      <div class="chart-canvas">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${caption}: ${months
            .map(
              (m) =>
                `${formatMonth(m.month)} deposits ${formatMoney(m.deposits)}, withdrawals ${formatMoney(m.withdrawals)}`,
            )
            .join('; ')}`}
        />
      </div>
      <figcaption>
        <details>
          <summary>{caption} as a table</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col" class="number">
                  Deposits
                </th>
                <th scope="col" class="number">
                  Withdrawals
                </th>
              </tr>
            </thead>
            <tbody>
              {months.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{formatMonth(m.month)}</th>
                  <td class="number">{formatMoney(m.deposits)}</td>
                  <td class="number">{formatMoney(m.withdrawals)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}

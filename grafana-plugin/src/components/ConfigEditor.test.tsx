import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor';
import { UsageOptions, UsageSecureJsonData } from '../types';

function options(
  jsonData: UsageOptions,
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: UsageSecureJsonData,
): DataSourceSettings<UsageOptions, UsageSecureJsonData> {
  return { jsonData, secureJsonFields, secureJsonData } as unknown as DataSourceSettings<UsageOptions, UsageSecureJsonData>;
}

describe('ConfigEditor', () => {
  it('shows worker settings in worker mode and SQL settings in sql mode', () => {
    const { rerender } = render(<ConfigEditor options={options({ mode: 'worker' })} onOptionsChange={jest.fn()} />);
    expect(screen.getByTestId('worker-settings')).toBeInTheDocument();
    expect(screen.queryByTestId('sql-settings')).toBeNull();
    rerender(<ConfigEditor options={options({ mode: 'sql' })} onOptionsChange={jest.fn()} />);
    expect(screen.getByTestId('sql-settings')).toBeInTheDocument();
    expect(screen.queryByTestId('worker-settings')).toBeNull();
  });

  it('writes a typed key to secureJsonData only', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={options({ mode: 'worker', workerUrl: 'http://w' })} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByPlaceholderText('ul_admin_…'), { target: { value: 'ul_admin_secret' } });
    const saved = onOptionsChange.mock.calls[0][0];
    expect(saved.secureJsonData).toEqual({ apiKey: 'ul_admin_secret' });
    expect(JSON.stringify(saved.jsonData)).not.toContain('ul_admin_secret');
  });

  it('shows a saved secret as configured, with a reset, and never its value', () => {
    const onOptionsChange = jest.fn();
    // Even if a value came along with the configured flag, the editor must not show it.
    const { container } = render(
      <ConfigEditor options={options({ mode: 'worker' }, { apiKey: true }, { apiKey: 'ul_admin_s3cret' })} onOptionsChange={onOptionsChange} />,
    );
    expect(screen.getByDisplayValue('configured')).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(onOptionsChange.mock.calls[0][0].secureJsonFields).toEqual({ apiKey: false });
    expect(container.innerHTML).not.toContain('ul_admin_s3cret');
  });
});

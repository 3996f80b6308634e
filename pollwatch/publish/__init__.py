"""What people read: charts, the HTML report, the clean data export, and the local viewer."""

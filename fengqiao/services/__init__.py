"""Services to the people (户籍及行政服务): the station's catalogue of household-registration
and administrative services, applications and bookings made on a phone, at the kiosk or at
the window, door-to-door service for those who cannot come, and their clock."""

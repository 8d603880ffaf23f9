"""Resolution: derive links and interfaces and allocate addresses, turning intent into a Network."""

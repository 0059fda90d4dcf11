sh -c 'echo "a  b"; echo c'
